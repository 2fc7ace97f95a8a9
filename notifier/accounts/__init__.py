"""The office's accounts: who may open its pages, with which role, and their passwords."""
