"""The REST API (``/api/v1``) and the application factory :func:`salamat.api.app.create_app`."""
