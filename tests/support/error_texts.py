"""Every error text the API can answer, collected from the code and the OpenAPI document, and
the pages' table of what each means to a patient (app/web/static/js/api-messages.json).

A text is a template: "{}" stands where the server fills a value in ("Bookings open at most {}
days ahead."). Sources: the domain errors' messages; the literal texts given to ValidationError,
ValidationFailed and werkzeug's exceptions anywhere under app/api, app/domain and app/service
(following a name or a helper function to the text it holds); every schema field's and
validator's messages (marshmallow's own included); the worker's and nginx's refusals; and every
`error` and field message in docs/openapi.json's examples.
"""

import ast
import importlib
import inspect
import json
import re
from pathlib import Path

from marshmallow import Schema, validate
from werkzeug import exceptions as http

from app.domain import errors

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "app" / "web" / "static" / "js" / "api-messages.json"
SCANNED = ("app/api", "app/domain", "app/service")
#: Calls that take an error text a client reads: where the text is (argument position, or
#: keyword).
ERROR_CALLS = {"ValidationError": (0, "message"), "ValidationFailed": (0, "details"),
               "InvalidTransition": (2, "why"), "error_response": (1, "message"),
               "FullMatch": (None, "error"), "Regexp": (None, "error"),
               "BadRequest": (0, "description"), "UnsupportedMediaType": (0, "description"),
               "RequestEntityTooLarge": (0, "description")}
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
#: marshmallow's messages for dumping, and for datetimes (a Date field never answers them).
UNANSWERED_MESSAGES = {"format", "invalid_awareness"}


def normalized(template: str) -> str:
    return PLACEHOLDER.sub("{}", template)


def pattern(template: str) -> re.Pattern:
    """`template` as a regex: each placeholder stands for any text (as the page reads it)."""
    parts = PLACEHOLDER.split(template)
    return re.compile("(.+?)".join(re.escape(part) for part in parts), re.DOTALL)


# -- the code --------------------------------------------------------------------------------

def _template(node: ast.JoinedStr) -> str:
    return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)


class _Resolver:
    """Follows an argument to the texts it can hold: a literal, an f-string, a module
    constant, a local variable set from a call, or a helper function's return values."""

    def __init__(self, module, function: ast.AST | None):
        self.module, self.function = module, function

    def texts(self, node, depth: int = 0) -> set[str]:
        if depth > 4:
            return set()
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.JoinedStr):
            return {_template(node)}
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return set().union(*(self.texts(e, depth) for e in node.elts))
        if isinstance(node, ast.Dict):
            return set().union(*(self.texts(v, depth) for v in node.values))
        if isinstance(node, ast.Name):
            return self._name(node.id, depth)
        if isinstance(node, ast.Call):
            return self._returns(node.func, depth)
        return set()

    def _name(self, name: str, depth: int) -> set[str]:
        value = getattr(self.module, name, None)
        if isinstance(value, str):
            return {value}
        for node in ast.walk(self.function or ast.Module(body=[], type_ignores=[])):
            if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == name for t in node.targets):
                return self.texts(node.value, depth + 1)
        return set()

    def _returns(self, func, depth: int) -> set[str]:
        if not isinstance(func, ast.Name) or not inspect.isfunction(
                getattr(self.module, func.id, None)):
            return set()
        target = getattr(self.module, func.id)
        tree = ast.parse(inspect.getsource(target))
        inner = _Resolver(inspect.getmodule(target), tree)
        return set().union(*(inner.texts(node.value, depth + 1) for node in ast.walk(tree)
                             if isinstance(node, ast.Return) and node.value is not None))


def _module_of(path: Path):
    return importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))


def _call_name(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _enclosing_functions(tree: ast.AST):
    """(call, the function it is in) for every call in `tree`."""
    for function in ast.walk(tree):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(function):
                if isinstance(node, ast.Call):
                    yield node, function
        elif isinstance(function, (ast.Module, ast.ClassDef)):
            for node in function.body:
                if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    yield from ((c, None) for c in ast.walk(node) if isinstance(c, ast.Call))


def raised_texts() -> set[str]:
    """The texts handed to the error calls in the scanned packages; a werkzeug exception raised
    without one answers its own description."""
    found = set()
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            module, tree = _module_of(path), ast.parse(path.read_text())
            for call, function in _enclosing_functions(tree):
                name = _call_name(call)
                if name not in ERROR_CALLS:
                    continue
                text = _text_argument(call, *ERROR_CALLS[name])
                if text is not None:
                    found |= _Resolver(module, function).texts(text)
                elif hasattr(http, name):
                    found.add(getattr(http, name).description)
    return found


def _text_argument(call: ast.Call, position: int | None, keyword: str):
    if position is not None and len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def domain_error_texts() -> set[str]:
    """Each domain error's message and help, and the messages its constructors build."""
    found = set()
    for cls in [errors.BookingError, *_subclasses(errors.BookingError)]:
        found |= {value for name, value in vars(cls).items()
                  if isinstance(value, str) and (name == "message" or name.isupper())}
    tree = ast.parse(Path(errors.__file__).read_text())
    return found | {_template(n) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr)}


def _validator_texts(validator) -> set[str]:
    if isinstance(validator, validate.Length):
        return {validator.error or (validator.message_equal if validator.equal is not None
                                    else validator.message_all if None not in (
                                        validator.min, validator.max)
                                    else validator.message_min if validator.max is None
                                    else validator.message_max)}
    if isinstance(validator, validate.Range):
        return {validator.error or validator.message_all}
    return {getattr(validator, "error", None) or getattr(validator, "default_message", "")}


def schema_texts() -> set[str]:
    """Every field's and validator's message in the request schemas (marshmallow's own)."""
    schemas = importlib.import_module("app.api.schemas")
    found = set()
    for cls in vars(schemas).values():
        if not (inspect.isclass(cls) and issubclass(cls, Schema) and cls is not Schema):
            continue
        for field in cls().fields.values():
            found |= {text for key, text in field.error_messages.items()
                      if key not in UNANSWERED_MESSAGES}
            for validator in field.validators:
                found |= _validator_texts(validator)
    return found - {""}


def server_refusal_texts() -> set[str]:
    """gunicorn's refusals (app/http_worker.py), nginx's own answers, and routing's 404/405."""
    worker = importlib.import_module("app.http_worker")
    found = {refusal[2] for refusal in worker.REFUSALS.values()}
    found |= {worker.BAD_REQUEST[2], worker.SERVER_ERROR[2]}
    for conf in sorted((ROOT / "config" / "nginx").glob("*.conf")):
        found |= set(re.findall(r'\{"error": "([^"]+)"\}', conf.read_text()))
    return found | {http.NotFound.description, http.MethodNotAllowed.description}


def openapi_texts() -> set[str]:
    """Every `error` and field message in the OpenAPI document's examples."""
    found: set[str] = set()
    _visit(json.loads((ROOT / "docs" / "openapi.json").read_text()), found)
    return found


def _visit(node, found: set[str]) -> None:
    if isinstance(node, list):
        for value in node:
            _visit(value, found)
    if not isinstance(node, dict):
        return
    if isinstance(node.get("error"), str):
        found.add(node["error"])
    details = node.get("details")
    for messages in details.values() if isinstance(details, dict) else ():
        found.update(m for m in messages if isinstance(messages, list) and isinstance(m, str))
    for value in node.values():
        _visit(value, found)


def every_error_text() -> set[str]:
    return (domain_error_texts() | raised_texts() | schema_texts() | server_refusal_texts()
            | openapi_texts())


# -- the page's table ------------------------------------------------------------------------

def page_table() -> dict[str, dict[str, str]]:
    return json.loads(TABLE.read_text())["messages"]


def untranslated(texts: set[str], table: dict) -> set[str]:
    """The texts no entry of `table` reads (the page matches a text against each key, a
    placeholder standing for any value)."""
    keys = {normalized(key) for key in table}
    patterns = [pattern(key) for key in table]
    return {text for text in texts if normalized(text) not in keys
            and not any(p.fullmatch(text) for p in patterns)}


# -- the table as a document -----------------------------------------------------------------

MESSAGES_DOC = ROOT / "docs" / "messages.md"


def messages_markdown(table: dict[str, dict[str, str]]) -> str:
    """docs/messages.md: each error and what the pages say for it, in both languages."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["# What the pages say for each error the API can answer", "",
             "Written from `app/web/static/js/api-messages.json`, the table the pages read, by "
             "`.venv/bin/python -m tests.support.error_texts`; "
             "`tests/unit/test_page_messages.py` fails when the API gains an error missing from "
             "the table, and when this file is not the table's. `{name}`: a value the server "
             "fills in.", "", "| The API's error | English | Bangla |", "| --- | --- | --- |"]
    lines += [f"| {cell(k)} | {cell(v['en'])} | {cell(v['bn'])} |" for k, v in table.items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    MESSAGES_DOC.write_text(messages_markdown(page_table()), encoding="utf-8")
