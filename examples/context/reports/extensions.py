from celery import Celery

# No task base enters `app.app_context()`: tasks run with no Flask context at all.
celery = Celery("reports")
