"""One module per OpenAPI tag; one function per operation, named after its operationId."""
