"""The assist tests' runs folder (the small run, plus a validated copy) serves here too."""

from tests.assist.conftest import assist_runs, validated_model  # noqa: F401
