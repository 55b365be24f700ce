"""Taylor mode: series algebra, the primitive rule table, the interpreter and the public API."""
