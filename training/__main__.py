"""``python -m training ...`` (see training/cli.py)."""
from .cli import main

if __name__ == "__main__":
    main()
