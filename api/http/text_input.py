"""NUL characters in a document's string literals: refused at validation, as the request's JSON refuses them.

PostgreSQL cannot store U+0000 in text (psycopg raises before the query is sent), and Django's own forms refuse it
(``ProhibitNullCharactersValidator``). `api.http.views` refuses it anywhere in the request's JSON (the variables
included); a literal of the document can still spell it as the escape ``"\\u0000"``, which this rule refuses, so that
no resolver ever sees one. The error's code is BAD_USER_INPUT.
"""

from typing import Any

from graphql import GraphQLError, StringValueNode, ValidationRule

NUL_MESSAGE = "Text may not contain NUL characters (U+0000)."


class NoNulInStringLiteralsRule(ValidationRule):
    """Report every string literal (arguments, input objects, variable defaults) holding a NUL character."""

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        if "\x00" in node.value:
            self.report_error(GraphQLError(NUL_MESSAGE, node, extensions={"code": "BAD_USER_INPUT"}))
