"""Pydantic models of the files users write. Light: no cloud or CDK imports."""
