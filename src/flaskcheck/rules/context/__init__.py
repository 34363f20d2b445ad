"""Rules of section 1xx: application and request context. Their shared questions live in
`flaskcheck.semantic.context`."""
