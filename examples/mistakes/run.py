"""Started by the Procfile. `gunicorn run:app` would start the development server too."""

import os

from app import app

app.run(host="0.0.0.0", port=int(os.environ.get("PORT", 8000)))  # FLK701: runs at import time
