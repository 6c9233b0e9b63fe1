"""`python -m assistant` is the same program as `budget-qa`."""

from assistant.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
