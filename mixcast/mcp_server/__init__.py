"""The Model Context Protocol server: a folder of runs as tools an AI assistant can call
(:func:`~mixcast.mcp_server.server.build_server`; ``mixcast mcp`` runs it)."""
