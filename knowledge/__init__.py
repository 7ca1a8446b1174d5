"""Curated, sourced knowledge base and the retrieval that answers parents' questions from it."""
