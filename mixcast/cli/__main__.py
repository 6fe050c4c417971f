from mixcast.cli import main

main()
