"""`python -m flaskcheck`."""

from flaskcheck.cli import main

if __name__ == "__main__":
    main()
