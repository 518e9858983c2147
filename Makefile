# The two commands a newcomer needs: `make run` and `make test`.
.PHONY: run test lint setup

run:
	./scripts/setup.sh --models
	.venv/bin/herd serve $(ARGS)

test:
	./scripts/setup.sh --models --gemma --browser --services
	.venv/bin/python -m ruff check server tests bench
	.venv/bin/python -m pytest $(ARGS)

lint:
	.venv/bin/python -m ruff check server tests bench

setup:
	./scripts/setup.sh
