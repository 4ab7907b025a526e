# The Casebook app image: gunicorn serving Django, static files through whitenoise.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY access ./access
COPY casebook ./casebook
COPY cases ./cases
COPY lists ./lists
COPY places ./places
COPY interventions ./interventions
COPY trials ./trials
COPY officials ./officials
COPY dossiers ./dossiers
COPY sources ./sources
COPY sync ./sync
RUN pip install .

COPY . .
# collectstatic needs settings but no database: a throwaway key and URL, never used at run time
RUN SECRET_KEY=build-only ALLOWED_HOSTS=build DATABASE_URL=postgres://build@localhost/build \
    python manage.py collectstatic --noinput

RUN useradd --system --home /app casebook && mkdir -p /app/media && chown casebook /app/media
USER casebook
EXPOSE 8000
CMD ["gunicorn", "casebook.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
