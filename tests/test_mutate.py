"""AST mutations (codeprep.synth): exact outputs per operator, scope correctness, determinism, 100%
validity of returned mutants over varied real-shaped snippets, and every rejection reason."""

from __future__ import annotations

import random
import time
from collections import Counter

import pytest
from lxml import etree

from codeprep.signals.syntax import check
from codeprep.synth import mutate_js as mutate_js_module
from codeprep.synth import mutate_xml as mutate_xml_module
from codeprep.synth.mutate_js import mutate_js
from codeprep.synth.mutate_xml import mutate_xml
from codeprep.synth.mutation import REJECT_REASONS, Mutant, MutationRejected


def _js(text: str, lang: str = "javascript", op: str | None = None, seed: int = 0, rate: float = 1.0) -> str:
    return mutate_js(text, lang, random.Random(seed), rate, None if op is None else [op]).content


def _xml(text: str, lang: str = "xml", op: str | None = None, seed: int = 0, rate: float = 1.0) -> str:
    return mutate_xml(text, lang, random.Random(seed), rate, None if op is None else [op]).content


def _reason(call) -> str:
    with pytest.raises(MutationRejected) as info:
        call()
    return info.value.reason


# --------------------------------------------------------------------------------------------------
# rename_binding


def test_rename_renames_every_reference_and_leaves_properties_and_shadowing_alone():
    source = """function total(items, tax) {
  const sum = items.reduce((acc, item) => acc + item.price, 0);
  const summary = { sum, tax: tax };
  function format(sum) {
    return sum.toFixed(2);
  }
  return format(sum * (1 + tax)) + summary.sum;
}
"""
    # Every local binding fires at rate 1. ``summary.sum`` and the ``tax:`` key are properties; the
    # inner ``sum`` parameter shadows the outer one and gets its own name; ``{ sum }`` keeps its key;
    # names already in the file (``item``) get a suffix.
    assert (
        _js(source, op="rename_binding", seed=7)
        == """function total(input, item2) {
  const payload = input.reduce((record, state) => record + state.price, 0);
  const entry = { sum: payload, tax: item2 };
  function format(entry2) {
    return entry2.toFixed(2);
  }
  return format(payload * (1 + item2)) + entry.sum;
}
"""
    )


def test_rename_handles_shorthand_in_patterns_and_objects():
    source = """function load({ id, name: label }, [first] = []) {
  const { data, meta = {} } = fetchSync(id);
  ({ data } = refresh(data));
  return { id, label, first, data, meta };
}
"""
    assert (
        _js(source, op="rename_binding", seed=7)
        == """function load({ id: input, name: item }, [payload] = []) {
  const { data: record, meta: state = {} } = fetchSync(input);
  ({ data: record } = refresh(record));
  return { id: input, label: item, first: payload, data: record, meta: state };
}
"""
    )


def test_rename_resolves_block_scopes_and_var_redeclaration():
    source = """function scan(rows) {
  let found = null;
  for (const row of rows) {
    const found = row.match(/x/);
    if (found) {
      break;
    }
  }
  var n = 1;
  var n = n + found;
  return n;
}
"""
    out = _js(source, op="rename_binding", seed=3)
    assert check("javascript", out).ok
    lines = out.splitlines()
    outer = lines[1].split()[1]  # let <outer> = null;
    inner = lines[3].split()[1]  # const <inner> = row.match(...)
    assert outer != "found" and inner != "found" and outer != inner
    assert lines[4].strip() == f"if ({inner}) {{"
    counter = lines[8].split()[1]
    assert lines[9].strip() == f"var {counter} = {counter} + {outer};"
    assert lines[10].strip() == f"return {counter};"
    row = lines[2].split()[2]  # for (const <row> of <rows>) {
    assert row != "row" and lines[3].endswith(f"= {row}.match(/x/);")  # the property stays


def test_rename_skips_jsx_tags_dynamic_scope_and_parameter_properties():
    jsx = """function App(props) {
  const Item = props.item;
  const div = props.tag;
  return <div>{div}<Item /></div>;
}
"""
    out = _js(jsx, "jsx", op="rename_binding")
    assert "const Item = " in out and "const div = " in out and "<Item />" in out  # tag names kept
    assert "function App(props)" not in out  # props itself is an ordinary binding
    dynamic = """function a(x) {
  return eval("x");
}
function b(y) {
  return arguments.length + y;
}
function c(z) {
  with (z) {
    return w;
  }
}
"""
    assert (
        _reason(lambda: mutate_js(dynamic, "javascript", random.Random(0), 1.0, ["rename_binding"]))
        == "no_site"
    )
    ts = "class Repo {\n  constructor(private readonly db: Db) {}\n}\n"
    assert (
        _reason(lambda: mutate_js(ts, "typescript", random.Random(0), 1.0, ["rename_binding"])) == "no_site"
    )


def test_rename_keeps_naming_style():
    source = "function f() {\n  const MAX_SIZE = 10;\n  const Widget = make();\n  const _cache = {};\n  return [MAX_SIZE, Widget, _cache];\n}\n"
    out = _js(source, op="rename_binding", seed=1)
    declared = [line.split()[1] for line in out.splitlines()[1:4]]
    assert declared[0].isupper()
    assert declared[1][0].isupper() and not declared[1].isupper()
    assert declared[2].startswith("_") and declared[2][1].islower()
    assert f"return [{declared[0]}, {declared[1]}, {declared[2]}];" in out


# --------------------------------------------------------------------------------------------------
# wrap_try_catch


def test_wrap_try_catch_exact_and_template_literal_lines_untouched():
    source = """export function retry(task, times) {
  for (let i = 0; i < times; i++) {
    if (task()) {
      return i;
    }
  }
  const message = `gave up
after ${times} tries`;
  throw new Error(message);
}
"""
    assert (
        _js(source, op="wrap_try_catch")
        == """export function retry(task, times) {
  try {
    for (let i = 0; i < times; i++) {
      if (task()) {
        return i;
      }
    }
    const message = `gave up
after ${times} tries`;
    throw new Error(message);
  } catch (error) {
    console.error(error);
    throw error;
  }
}
"""
    )


def test_wrap_try_catch_uses_tabs_crlf_and_a_free_catch_name_and_wraps_outermost_only():
    tabbed = "class A {\r\n\trun(error) {\r\n\t\tconst inner = () => {\r\n\t\t\treturn error;\r\n\t\t};\r\n\t\treturn inner();\r\n\t}\r\n}\r\n"
    assert _js(tabbed, op="wrap_try_catch") == (
        "class A {\r\n\trun(error) {\r\n\t\ttry {\r\n\t\t\tconst inner = () => {\r\n\t\t\t\treturn error;\r\n"
        "\t\t\t};\r\n\t\t\treturn inner();\r\n\t\t} catch (err) {\r\n\t\t\tconsole.error(err);\r\n"
        "\t\t\tthrow err;\r\n\t\t}\r\n\t}\r\n}\r\n"
    )


def test_wrap_try_catch_ineligible_bodies():
    source = """function strict() {
  "use strict";
  return 1;
}
const oneLine = () => { return 2; };
function guarded() {
  try {
    work();
  } finally {
    done();
  }
}
"""
    assert (
        _reason(lambda: mutate_js(source, "javascript", random.Random(0), 1.0, ["wrap_try_catch"]))
        == "no_site"
    )
    shadowed = "const console = makeLogger();\nfunction f() {\n  return 1;\n}\n"
    assert (
        _reason(lambda: mutate_js(shadowed, "javascript", random.Random(0), 1.0, ["wrap_try_catch"]))
        == "no_site"
    )


# --------------------------------------------------------------------------------------------------
# add_jsdoc, add_type_annotation, change_signature


def test_add_jsdoc_exact_javascript():
    source = """class UserStore {
  constructor(api) {
    this.api = api;
  }

  async getUserName(id, fallback = "anonymous", ...fields) {
    const user = await this.api.get(id, fields);
    return user ? user.name : fallback;
  }

  /** Already documented. */
  clear() {
    this.api = null;
  }
}
"""
    assert (
        _js(source, op="add_jsdoc")
        == """class UserStore {
  /**
   * Create a new UserStore.
   *
   * @param {*} api
   */
  constructor(api) {
    this.api = api;
  }

  /**
   * Get user name.
   *
   * @param {*} id
   * @param {*} [fallback]
   * @param {...*} fields
   * @returns {*}
   */
  async getUserName(id, fallback = "anonymous", ...fields) {
    const user = await this.api.get(id, fields);
    return user ? user.name : fallback;
  }

  /** Already documented. */
  clear() {
    this.api = null;
  }
}
"""
    )


def test_add_jsdoc_typescript_omits_types_of_annotated_params_and_goes_above_decorators():
    source = """export class Api {
  @Memo()
  parseXMLDocument(raw: string, strict = false): Doc {
    return parse(raw, strict);
  }
}
"""
    assert (
        _js(source, "typescript", op="add_jsdoc")
        == """export class Api {
  /**
   * Parse XML document.
   *
   * @param raw
   * @param {*} [strict]
   * @returns
   */
  @Memo()
  parseXMLDocument(raw: string, strict = false): Doc {
    return parse(raw, strict);
  }
}
"""
    )


def test_add_type_annotation_exact_and_not_for_javascript():
    source = """export function paginate<T>(rows: T[], page = 1, size: number = 20, label = `Page`, strict = false, offset = -1n): T[] {
  return rows.slice((page - 1) * size, page * size);
}
"""
    assert _js(source, "typescript", op="add_type_annotation") == (
        "export function paginate<T>(rows: T[], page: number = 1, size: number = 20, label: string = `Page`, "
        "strict: boolean = false, offset: bigint = -1n): T[] {\n"
        "  return rows.slice((page - 1) * size, page * size);\n}\n"
    )
    js = "function f(a = 1) {\n  return a;\n}\n"
    assert (
        _reason(lambda: mutate_js(js, "javascript", random.Random(0), 1.0, ["add_type_annotation"]))
        == "no_site"
    )


def test_change_signature_exact_and_only_where_calls_stay_valid():
    source = """function fetchJson(url) {
  return fetch(url).then((res) => res.json());
}
const parse = (text) => JSON.parse(text);
const onClick = (event) => event.preventDefault();
function many(a, b, c, d) {}
function variadic(...args) {}
const options = { retries: 3 };
class Box {
  get size() { return 1; }
  set size(v) {}
  open() {}
}
button.addEventListener("click", onClick);
export { fetchJson, parse, options };
"""
    assert (
        _js(source, op="change_signature")
        == """function fetchJson(url, opts = {}) {
  return fetch(url).then((res) => res.json());
}
const parse = (text, opts = {}) => JSON.parse(text);
const onClick = (event) => event.preventDefault();
function many(a, b, c, d) {}
function variadic(...args) {}
const options = { retries: 3 };
class Box {
  get size() { return 1; }
  set size(v) {}
  open(opts = {}) {}
}
button.addEventListener("click", onClick);
export { fetchJson, parse, options };
"""
    )
    ts = "export const id = x => x;\nexport function empty() {}\n"
    assert _js(ts, "typescript", op="change_signature") == (
        "export const id = (x, options: Record<string, unknown> = {}) => x;\n"
        "export function empty(options: Record<string, unknown> = {}) {}\n"
    )


def test_operators_run_in_order_and_reparse_between_passes():
    source = "function scale(value, factor = 2) {\n  return value * factor;\n}\n"
    mutant = mutate_js(source, "typescript", random.Random(5), 1.0)
    assert mutant.operators == (
        "rename_binding",
        "rename_binding",
        "add_type_annotation",
        "change_signature",
        "wrap_try_catch",
        "add_jsdoc",
    )
    assert check("typescript", mutant.content).ok
    assert ": number = 2" in mutant.content and "Record<string, unknown> = {}" in mutant.content
    assert mutant.content.startswith("/**\n * Scale.\n")  # the JSDoc documents the final signature
    assert "[options]" in mutant.content


# --------------------------------------------------------------------------------------------------
# XML / SVG

POM = """<?xml version="1.0" encoding="ISO-8859-1"?>
<!-- build file -->
<project xmlns="http://maven.apache.org/POM/4.0.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>demo</artifactId>
  <version>1.2.0</version>
  <dependencies>
    <dependency scope="test" optional="true">
      <groupId>junit</groupId>
      <artifactId>junit</artifactId>
    </dependency>
    <dependency scope="compile">
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-api</artifactId>
    </dependency>
  </dependencies>
</project>
"""

ICON = """<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24" version="1.1" stroke-width="1.50">
  <path id="p1" d="M3 12h18" stroke="#000"/>
  <circle cx="12" cy="12" r="3" fill="none"/>
  <rect x="2" y="2" width="20" height="20" rx="2"/>
</svg>
"""

LAYOUT = """<?xml version="1.0" encoding="utf-8"?>
<LinearLayout xmlns:android="http://schemas.android.com/apk/res/android"
    android:layout_width="match_parent"
    android:layout_height="wrap_content"
    android:padding="16dp">
    <TextView
        android:id="@+id/title"
        android:layout_width="wrap_content"
        android:textSize="18sp" />
    <Button
        android:layout_width="match_parent"
        android:text="@string/ok" />
</LinearLayout>
"""


def test_modify_attribute_values_keeps_number_format_and_skips_id_and_version():
    out = _xml(ICON, "svg", op="modify_attribute_values")
    root = etree.fromstring(out.encode())
    assert root.get("version") == "1.1"
    assert root[0].get("id") == "p1"
    for name in ("width", "height"):
        assert root.get(name).isdigit() and root.get(name) != "24"
    stroke = root.get("stroke-width")
    assert len(stroke.split(".")[1]) == 2 and stroke != "1.50"
    assert root[2].get("rx").isdigit() and root[2].get("rx") != "2"
    padding = etree.fromstring(_xml(LAYOUT, op="modify_attribute_values").encode()).get(
        "{http://schemas.android.com/apk/res/android}padding"
    )
    assert padding.endswith("dp") and padding[:-2].isdigit() and padding != "16dp"


def test_modify_attribute_values_swaps_strings_for_values_the_document_uses():
    out = _xml(POM, op="modify_attribute_values")
    scopes = etree.fromstring(out.encode()).xpath("//*[local-name()='dependency']/@scope")
    assert scopes == ["compile", "test"]
    assert out.startswith('<?xml version="1.0" encoding="ISO-8859-1"?>\n<!-- build file -->\n<project ')


def test_add_nested_element_duplicates_leaves_only_with_known_tags():
    out = _xml(ICON, "svg", op="add_nested_element")
    root = etree.fromstring(out.encode())
    tags = [etree.QName(e).localname for e in root]
    assert tags == ["path", "circle", "circle", "rect", "rect"]  # the leaf with an id is not copied
    assert out.endswith('<rect x="2" y="2" width="20" height="20" rx="2"/>\n</svg>\n')
    assert "  <circle" in out.splitlines()[3]  # indentation kept


def test_reorder_siblings_keeps_the_multiset_of_children():
    def unordered(element) -> tuple:
        """The tree up to sibling order: children as a sorted multiset, recursively."""
        kids = sorted(unordered(c) for c in element)
        return (element.tag, sorted(element.attrib.items()), (element.text or "").strip(), kids)

    def tree(text: str):
        return etree.fromstring(text.replace('encoding="ISO-8859-1"', 'encoding="UTF-8"').encode())

    for seed in range(5):
        out = _xml(POM, op="reorder_siblings", seed=seed)
        assert unordered(tree(out)) == unordered(tree(POM))
        assert out != POM
        assert all(line.startswith("  ") for line in out.splitlines()[3:-1])


def test_namespace_declaration_and_processing_instruction():
    out = _xml(LAYOUT, op="add_namespace_declaration", seed=2)
    root = etree.fromstring(out.encode())
    added = set(root.nsmap) - {"android"}
    assert len(added) == 1
    prefix = added.pop()
    assert root.nsmap[prefix] == f"urn:codeprep:{prefix}"
    out = _xml(ICON, "svg", op="insert_processing_instruction")
    assert out.startswith('<?xml-stylesheet type="text/css" href="style.css"?>\n<svg ')
    out = _xml(POM, op="insert_processing_instruction")
    assert '<!-- build file -->\n<?xml-stylesheet type="text/xsl" href="style.xsl"?>\n<project' in out
    assert (
        _reason(lambda: mutate_xml(out, "xml", random.Random(0), 1.0, ["insert_processing_instruction"]))
        == "no_site"
    )


# --------------------------------------------------------------------------------------------------
# determinism and validity over varied snippets

SNIPPETS: list[tuple[str, str]] = [
    (
        "javascript",
        """const express = require("express");
const router = express.Router();

router.get("/users/:id", async (req, res, next) => {
  try {
    const user = await db.users.find(req.params.id);
    if (!user) {
      return res.status(404).json({ error: "not found" });
    }
    res.json(user);
  } catch (err) {
    next(err);
  }
});

function paginate(items, page = 1, size = 20) {
  const start = (page - 1) * size;
  return items.slice(start, start + size);
}

module.exports = { router, paginate };
""",
    ),
    (
        "javascript",
        """export function debounce(fn, wait = 100) {
  let timer = null;
  return function debounced(...args) {
    clearTimeout(timer);
    timer = setTimeout(() => fn.apply(this, args), wait);
  };
}

export function throttle(fn, limit) {
  let waiting = false;
  return (...args) => {
    if (waiting) return;
    waiting = true;
    fn(...args);
    setTimeout(() => {
      waiting = false;
    }, limit);
  };
}
""",
    ),
    (
        "javascript",
        """class EventEmitter {
  constructor() {
    this.listeners = new Map();
  }

  on(event, handler) {
    const list = this.listeners.get(event) || [];
    list.push(handler);
    this.listeners.set(event, list);
    return () => this.off(event, handler);
  }

  off(event, handler) {
    const list = this.listeners.get(event) || [];
    this.listeners.set(event, list.filter((h) => h !== handler));
  }

  emit(event, ...payload) {
    for (const handler of this.listeners.get(event) || []) {
      handler(...payload);
    }
  }
}

export default EventEmitter;
""",
    ),
    (
        "javascript",
        """"use strict";

var path = require("path");
var fs = require("fs");

function readConfig(dir) {
  var file = path.join(dir, "config.json");
  if (!fs.existsSync(file)) {
    return {};
  }
  var raw = fs.readFileSync(file, "utf8");
  var config = JSON.parse(raw);
  for (var key in config) {
    if (typeof config[key] === "string") {
      config[key] = config[key].trim();
    }
  }
  return config;
}

module.exports = readConfig;
""",
    ),
    (
        "javascript",
        """import { createStore } from "redux";

const initialState = { todos: [], filter: "all" };

function todos(state = initialState, action) {
  switch (action.type) {
    case "add": {
      const todo = { id: Date.now(), text: action.text, done: false };
      return { ...state, todos: [...state.todos, todo] };
    }
    case "toggle":
      return {
        ...state,
        todos: state.todos.map((t) => (t.id === action.id ? { ...t, done: !t.done } : t)),
      };
    default:
      return state;
  }
}

export const store = createStore(todos);
""",
    ),
    (
        "javascript",
        """const formatPrice = (amount, currency = "EUR", locale = "de-DE") => {
  const formatter = new Intl.NumberFormat(locale, { style: "currency", currency });
  return formatter.format(amount);
};

const sum = (values) => values.reduce((total, value) => total + value, 0);

export function cartTotal(cart) {
  const prices = cart.items.map(({ price, quantity }) => price * quantity);
  const total = sum(prices);
  return formatPrice(total, cart.currency);
}
""",
    ),
    (
        "javascript",
        """async function* readLines(stream) {
  let buffer = "";
  for await (const chunk of stream) {
    buffer += chunk;
    let index;
    while ((index = buffer.indexOf("\\n")) >= 0) {
      yield buffer.slice(0, index);
      buffer = buffer.slice(index + 1);
    }
  }
  if (buffer) {
    yield buffer;
  }
}

export async function countLines(stream) {
  let count = 0;
  for await (const _line of readLines(stream)) {
    count += 1;
  }
  return count;
}
""",
    ),
    (
        "javascript",
        """$(function () {
  var $form = $("#signup");
  $form.on("submit", function (event) {
    event.preventDefault();
    var data = $form.serialize();
    $.post("/api/signup", data).done(function (response) {
      $("#message").text(response.message);
    });
  });
});
""",
    ),
    (
        "javascript",
        """#!/usr/bin/env node
const { argv } = process;

function parseArgs(args) {
  const flags = {};
  const positional = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg.startsWith("--")) {
      const [name, value = true] = arg.slice(2).split("=");
      flags[name] = value;
    } else {
      positional.push(arg);
    }
  }
  return { flags, positional };
}

console.log(parseArgs(argv.slice(2)));
""",
    ),
    (
        "javascript",
        """export class LRUCache {
  #map = new Map();

  constructor(capacity = 100) {
    this.capacity = capacity;
  }

  get(key) {
    if (!this.#map.has(key)) return undefined;
    const value = this.#map.get(key);
    this.#map.delete(key);
    this.#map.set(key, value);
    return value;
  }

  set(key, value) {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.capacity) {
      this.#map.delete(this.#map.keys().next().value);
    }
  }
}
""",
    ),
    (
        "jsx",
        """import React, { useEffect, useState } from "react";

export default function UserList({ endpoint, onSelect }) {
  const [users, setUsers] = useState([]);
  const [error, setError] = useState(null);

  useEffect(() => {
    let cancelled = false;
    fetch(endpoint)
      .then((res) => res.json())
      .then((data) => {
        if (!cancelled) setUsers(data);
      })
      .catch(setError);
    return () => {
      cancelled = true;
    };
  }, [endpoint]);

  if (error) return <p className="error">{error.message}</p>;
  return (
    <ul>
      {users.map((user) => (
        <li key={user.id} onClick={() => onSelect(user)}>
          {user.name}
        </li>
      ))}
    </ul>
  );
}
""",
    ),
    (
        "jsx",
        """const Button = ({ label, variant = "primary", ...rest }) => {
  const className = `btn btn-${variant}`;
  return (
    <button className={className} {...rest}>
      {label}
    </button>
  );
};

function Toolbar(props) {
  const items = props.items;
  return <div className="toolbar">{items.map((item) => <Button key={item} label={item} />)}</div>;
}

export { Button, Toolbar };
""",
    ),
    (
        "typescript",
        """export interface User {
  id: number;
  name: string;
  email?: string;
}

export class UserService {
  private cache = new Map<number, User>();

  constructor(private readonly http: HttpClient, private baseUrl = "/api") {}

  async get(id: number, force = false): Promise<User> {
    const cached = this.cache.get(id);
    if (cached && !force) {
      return cached;
    }
    const user = await this.http.get<User>(`${this.baseUrl}/users/${id}`);
    this.cache.set(id, user);
    return user;
  }

  clear(): void {
    this.cache.clear();
  }
}
""",
    ),
    (
        "typescript",
        """type Result<T, E = Error> = { ok: true; value: T } | { ok: false; error: E };

export function tryParse<T>(text: string, fallback?: T): Result<T> {
  try {
    return { ok: true, value: JSON.parse(text) as T };
  } catch (error) {
    return { ok: false, error: error as Error };
  }
}

export function unwrap<T>(result: Result<T>, label = "value"): T {
  if (!result.ok) {
    throw new Error(`${label}: ${result.error.message}`);
  }
  return result.value;
}
""",
    ),
    (
        "typescript",
        """import { Injectable } from "@angular/core";

enum Level {
  Debug,
  Info,
  Warn,
}

@Injectable({ providedIn: "root" })
export class Logger {
  private level: Level = Level.Info;

  setLevel(level: Level): void {
    this.level = level;
  }

  log(message: string, level = Level.Info, ...meta: unknown[]): void {
    if (level < this.level) {
      return;
    }
    const stamp = new Date().toISOString();
    console.log(`[${stamp}] ${message}`, ...meta);
  }
}
""",
    ),
    (
        "typescript",
        """export const clamp = (value: number, min = 0, max = 1): number => Math.min(max, Math.max(min, value));

export function chunk<T>(items: readonly T[], size = 10): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(items.slice(i, i + size));
  }
  return out;
}

export function isDefined<T>(value: T | undefined | null): value is T {
  return value !== undefined && value !== null;
}
""",
    ),
    (
        "typescript",
        """declare module "config" {
  export const apiUrl: string;
}

export abstract class Shape {
  abstract area(): number;

  describe(precision = 2, unit = "cm"): string {
    const area = this.area().toFixed(precision);
    return `${this.constructor.name}: ${area} ${unit}^2`;
  }
}

export class Circle extends Shape {
  constructor(public radius: number) {
    super();
  }

  area(): number {
    return Math.PI * this.radius ** 2;
  }
}
""",
    ),
    (
        "typescript",
        """import express, { Request, Response } from "express";

const app = express();

app.get("/health", (_req: Request, res: Response) => {
  res.json({ status: "ok" });
});

function parsePort(raw: string | undefined, fallback = 3000): number {
  const port = Number(raw);
  return Number.isInteger(port) && port > 0 ? port : fallback;
}

app.listen(parsePort(process.env.PORT), () => {
  console.log("listening");
});
""",
    ),
    (
        "tsx",
        """import React, { useState } from "react";

type Props = { title: string; items: string[]; initiallyOpen?: boolean };

export function Accordion({ title, items, initiallyOpen = false }: Props) {
  const [open, setOpen] = useState(initiallyOpen);
  const toggle = () => setOpen((prev) => !prev);
  return (
    <section className="accordion">
      <h2 onClick={toggle}>{title}</h2>
      {open && (
        <ul>
          {items.map((item) => (
            <li key={item}>{item}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
""",
    ),
    (
        "tsx",
        """import { useEffect, useRef } from "react";

export function useInterval(callback: () => void, delay: number | null, immediate = false) {
  const saved = useRef(callback);

  useEffect(() => {
    saved.current = callback;
  }, [callback]);

  useEffect(() => {
    if (delay === null) return;
    if (immediate) saved.current();
    const id = setInterval(() => saved.current(), delay);
    return () => clearInterval(id);
  }, [delay, immediate]);
}

export const Counter = ({ start = 0 }: { start?: number }) => <span>{start}</span>;
""",
    ),
    (
        "tsx",
        """const Badge = <T extends string>({ label, tone = "info" }: { label: T; tone?: string }) => {
  const className = `badge badge-${tone}`;
  return <span className={className}>{label}</span>;
};

export default function Header(props: { user?: { name: string } }) {
  const name = props.user?.name ?? "guest";
  return (
    <header>
      <Badge label={name} />
    </header>
  );
}
""",
    ),
    ("xml", POM),
    ("xml", LAYOUT),
    (
        "xml",
        """<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder>
      <pattern>%d{HH:mm:ss.SSS} [%thread] %-5level %logger{36} - %msg%n</pattern>
    </encoder>
  </appender>
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>app.log</file>
    <encoder>
      <pattern>%date %level [%thread] %logger{10} [%file:%line] %msg%n</pattern>
    </encoder>
  </appender>
  <logger name="com.example" level="DEBUG"/>
  <root level="INFO">
    <appender-ref ref="STDOUT"/>
    <appender-ref ref="FILE"/>
  </root>
</configuration>
""",
    ),
    (
        "xml",
        """<?xml version="1.0" encoding="utf-8"?>
<resources>
    <string name="app_name">Notes</string>
    <string name="action_save">Save &amp; close</string>
    <dimen name="margin">16dp</dimen>
    <color name="primary">#6200EE</color>
    <integer-array name="sizes">
        <item>12</item>
        <item>14</item>
        <item>18</item>
    </integer-array>
</resources>
""",
    ),
    (
        "xml",
        """<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Example Feed</title>
  <link href="http://example.org/" rel="alternate"/>
  <link href="http://example.org/feed.xml" rel="self"/>
  <updated>2003-12-13T18:30:02Z</updated>
  <entry>
    <title><![CDATA[Atom <b>Powered</b> Robots]]></title>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
    <summary>Some text.</summary>
  </entry>
</feed>
""",
    ),
    ("svg", ICON),
    (
        "svg",
        """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 100">
  <defs>
    <linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#ff0"/>
      <stop offset="1" stop-color="#f00"/>
    </linearGradient>
  </defs>
  <g fill="url(#g)" opacity="0.8">
    <circle cx="50" cy="50" r="40"/>
    <use xlink:href="#star" x="10" y="10"/>
  </g>
</svg>
""",
    ),
    (
        "svg",
        """<svg width="16" height="16" viewBox="0 0 16 16" fill="currentColor" xmlns="http://www.w3.org/2000/svg">
  <!-- check mark -->
  <path fill-rule="evenodd" d="M13.78 4.22a.75.75 0 010 1.06l-7.25 7.25a.75.75 0 01-1.06 0L2.22 9.28"/>
  <path fill-rule="nonzero" d="M1 1h14v14H1z" opacity="0.25"/>
</svg>
""",
    ),
]


def _mutate(lang: str, text: str, seed: int, rate: float) -> Mutant:
    mutate = mutate_xml if lang in ("xml", "svg") else mutate_js
    return mutate(text, lang, random.Random(seed), rate)


def _outcome(lang: str, text: str, seed: int, rate: float) -> Mutant | str:
    try:
        return _mutate(lang, text, seed, rate)
    except MutationRejected as exc:
        return exc.reason


@pytest.mark.parametrize("lang, text", SNIPPETS, ids=[f"{lang}-{i}" for i, (lang, _) in enumerate(SNIPPETS)])
def test_every_returned_mutant_is_valid(lang, text):
    assert check(lang, text).ok, "fixture must be valid"
    produced = 0
    for seed in range(6):
        try:
            mutant = _mutate(lang, text, seed, 0.5)
        except MutationRejected as exc:
            assert exc.reason == "no_site", exc
            continue
        produced += 1
        assert check(lang, mutant.content).ok
        assert mutant.operators and mutant.content != text
        assert set(mutant.operators) <= set(
            mutate_xml_module.OPERATORS if lang in ("xml", "svg") else mutate_js_module.OPERATORS
        )
    assert produced >= 4


def test_operator_coverage_over_the_snippets():
    applied: Counter[str] = Counter()
    for seed in range(3):
        for lang, text in SNIPPETS:
            mutant = _outcome(lang, text, seed, 0.5)
            applied.update(mutant.operators if isinstance(mutant, Mutant) else ())
    assert set(applied) == set(mutate_js_module.OPERATORS) | set(mutate_xml_module.OPERATORS)


def test_deterministic_per_seed():
    for lang, text in SNIPPETS:
        assert _outcome(lang, text, 11, 0.5) == _outcome(lang, text, 11, 0.5)
        assert len({_outcome(lang, text, seed, 0.5) for seed in range(6)}) > 1


# --------------------------------------------------------------------------------------------------
# rejections and arguments


def test_unparseable_input():
    assert (
        _reason(lambda: mutate_js("function (a {", "javascript", random.Random(0), 1.0))
        == "unparseable_input"
    )
    assert (
        _reason(lambda: mutate_js("let x: = 1;", "typescript", random.Random(0), 1.0)) == "unparseable_input"
    )
    assert _reason(lambda: mutate_xml("<a><b></a>", "xml", random.Random(0), 1.0)) == "unparseable_input"
    assert _reason(lambda: mutate_xml("<a>&nbsp;</a>", "xml", random.Random(0), 1.0)) == "unparseable_input"


def test_entity_declarations_are_refused_before_lxml(monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("lxml must not see a document with a DTD")

    monkeypatch.setattr(mutate_xml_module.etree, "fromstring", never)
    monkeypatch.setattr(mutate_xml_module.etree, "XMLParser", never)
    laughs = '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    laughs += "".join(
        f' <!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">\n' for i in range(1, 10)
    )
    laughs += "]>\n<lolz>&lol9;</lolz>\n"
    xxe = '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>'
    started = time.perf_counter()
    for text in (laughs, xxe, '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd">\n<svg/>'):
        assert (
            _reason(lambda text=text: mutate_xml(text, "svg", random.Random(0), 1.0)) == "entity_declaration"
        )
    assert time.perf_counter() - started < 1.0


def test_too_large_and_no_site():
    big_js = "const a = 1;\n" * 10_000
    assert _reason(lambda: mutate_js(big_js, "javascript", random.Random(0), 1.0)) == "too_large"
    big_xml = "<a>" + "<b/>" * 30_000 + "</a>"
    assert _reason(lambda: mutate_xml(big_xml, "xml", random.Random(0), 1.0)) == "too_large"
    assert _reason(lambda: mutate_js("const a = 1;\n", "javascript", random.Random(0), 1.0)) == "no_site"
    assert _reason(lambda: mutate_js(SNIPPETS[0][1], "javascript", random.Random(0), 0.0)) == "no_site"


def test_invalid_mutants_are_never_returned(monkeypatch):
    bad = type("Verdict", (), {"ok": False})()
    monkeypatch.setattr(mutate_js_module, "check", lambda lang, text: bad)
    monkeypatch.setattr(mutate_xml_module, "check", lambda lang, text: bad)
    assert _reason(lambda: _mutate("javascript", SNIPPETS[0][1], 0, 1.0)) == "invalid_after_mutation"
    assert _reason(lambda: _mutate("svg", ICON, 0, 1.0)) == "invalid_after_mutation"


def test_argument_errors_and_result_types():
    rng = random.Random(0)
    with pytest.raises(ValueError):
        mutate_js("let a;", "python", rng, 0.5)
    with pytest.raises(ValueError):
        mutate_xml("<a/>", "html", rng, 0.5)
    with pytest.raises(ValueError):
        mutate_js("let a;", "javascript", rng, 1.5)
    with pytest.raises(ValueError):
        mutate_xml("<a/>", "xml", rng, 0.5, ["rename_binding"])
    with pytest.raises(ValueError):
        MutationRejected("because")
    assert {MutationRejected(r).reason for r in REJECT_REASONS} == set(REJECT_REASONS)
    mutant = mutate_xml("<a><b/><c/></a>", "xml", rng, 1.0, ["reorder_siblings"])
    assert mutant == Mutant("<a><c/><b/></a>", ("reorder_siblings",))
    with pytest.raises(AttributeError):
        mutant.content = "x"  # type: ignore[misc]
