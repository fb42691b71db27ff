"""The use cases, one module each, shared by every face (CLI, REST API, web pages).

``imports`` runs an import and answers series and catalogue queries; ``compute`` computes
indicators from unit records and explains changes; ``targets`` builds the scorecard; ``web``
builds what the API and the pages show. Store access goes through :mod:`salamat.store`; the
numbers come from :mod:`salamat.methods`.
"""
