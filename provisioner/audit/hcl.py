"""Reads the HCL object literals that cdktn writes for `Fn.jsonencode(...)`.

cdktn renders `Fn.jsonencode({"Statement": [{"Resource": bucket.arn}]})` as
`${jsonencode({"Statement" = [{"Resource" = aws_s3_bucket.data.arn}]})}`.
`jsonencode_value()` turns that back into Python data, writing every bare
expression (a reference, a function call) as a `${...}` string, the form
cdktn uses elsewhere, so the rules see one representation.
"""

from __future__ import annotations

import re
from typing import Any

_JSONENCODE = re.compile(r"^\$\{\s*jsonencode\((.*)\)\s*\}$", re.DOTALL)
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?$")


class HclSyntaxError(ValueError):
    pass


def jsonencode_value(text: str) -> Any:
    """The value inside `${jsonencode(...)}`; raises HclSyntaxError for anything else."""
    match = _JSONENCODE.match(text.strip())
    if not match:
        raise HclSyntaxError("not a jsonencode expression")
    parser = _Parser(match.group(1))
    value = parser.value()
    parser.skip_space()
    if parser.pos != len(parser.text):
        raise HclSyntaxError(f"unexpected text at {parser.pos}")
    return value


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            self.pos += 1

    def peek(self) -> str:
        self.skip_space()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise HclSyntaxError(f"expected {char!r} at {self.pos}")
        self.pos += 1

    def value(self) -> Any:
        char = self.peek()
        if char == "{":
            return self.object()
        if char == "[":
            return self.array()
        if char == '"':
            return self.string()
        return self.bare()

    def object(self) -> dict[str, Any]:
        self.expect("{")
        result: dict[str, Any] = {}
        while True:
            char = self.peek()
            if char == "}":
                self.pos += 1
                return result
            if char == ",":
                self.pos += 1
                continue
            key = self.string() if char == '"' else self.identifier()
            if self.peek() not in ("=", ":"):
                raise HclSyntaxError(f"expected '=' after key {key!r}")
            self.pos += 1
            result[key] = self.value()

    def array(self) -> list[Any]:
        self.expect("[")
        items: list[Any] = []
        while True:
            char = self.peek()
            if char == "]":
                self.pos += 1
                return items
            if char == ",":
                self.pos += 1
                continue
            items.append(self.value())

    def identifier(self) -> str:
        match = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*").match(self.text, self.pos)
        if not match:
            raise HclSyntaxError(f"expected a key at {self.pos}")
        self.pos = match.end()
        return match.group(0)

    def string(self) -> str:
        self.expect('"')
        out: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "\\":
                nxt = self.text[self.pos + 1 : self.pos + 2]
                out.append({"n": "\n", "t": "\t", "r": "\r"}.get(nxt, nxt))
                self.pos += 2
                continue
            if char == '"':
                self.pos += 1
                return "".join(out)
            if self.text.startswith("${", self.pos):
                end = _balanced_end(self.text, self.pos + 1, "{", "}")
                out.append(self.text[self.pos : end + 1])
                self.pos = end + 1
                continue
            out.append(char)
            self.pos += 1
        raise HclSyntaxError("unterminated string")

    def bare(self) -> Any:
        """A number, true/false/null, or any other expression up to the next separator."""
        start = self.pos
        depth = 0
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in "([{":
                depth += 1
            elif char in ")]}":
                if depth == 0:
                    break
                depth -= 1
            elif char == '"':
                end = self.pos + 1
                while end < len(self.text) and self.text[end] != '"':
                    end += 2 if self.text[end] == "\\" else 1
                self.pos = end
            elif char in ",\n" and depth == 0:
                break
            self.pos += 1
        token = self.text[start : self.pos].strip()
        if not token:
            raise HclSyntaxError(f"expected a value at {start}")
        if token in ("true", "false"):
            return token == "true"
        if token == "null":
            return None
        if _NUMBER.match(token):
            return float(token) if any(c in token for c in ".eE") else int(token)
        return "${" + token + "}"


def _balanced_end(text: str, start: int, open_char: str, close_char: str) -> int:
    depth = 0
    for index in range(start, len(text)):
        if text[index] == open_char:
            depth += 1
        elif text[index] == close_char:
            depth -= 1
            if depth == 0:
                return index
    raise HclSyntaxError("unbalanced braces")
