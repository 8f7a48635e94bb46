"""Helpers and real-shaped snippets shared by the AST mutation tests (tests/synth/test_mutate_*.py)."""

from __future__ import annotations

import random

import pytest

from codeprep.synth.mutate_js import mutate_js
from codeprep.synth.mutate_xml import mutate_xml
from codeprep.synth.mutation import Mutant, MutationRejected


def _js(text: str, lang: str = "javascript", op: str | None = None, seed: int = 0, rate: float = 1.0) -> str:
    return mutate_js(text, lang, random.Random(seed), rate, None if op is None else [op]).content


def _xml(text: str, lang: str = "xml", op: str | None = None, seed: int = 0, rate: float = 1.0) -> str:
    return mutate_xml(text, lang, random.Random(seed), rate, None if op is None else [op]).content


def _reason(call) -> str:
    with pytest.raises(MutationRejected) as info:
        call()
    return info.value.reason


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
