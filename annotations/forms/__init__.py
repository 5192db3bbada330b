"""HTML forms: shape validation for the pages, nothing more, by area (`reviewer`, `editorial`,
`account`) on one base (`base.AccessibleForm`).

Forms check that input is present and well-formed, with the field limits of `limits` and the
models; the rules of the domain (http-only URLs, a rating from the project's scale, who may do
what) are checked by the services, whose `DomainError`s the views attach to the field they name
with `add_domain_error`. Forms never write models.
"""
