"""What must never depend on what (ARCHITECTURE.md, "Rules"), read from the sources:
  - the runtime never includes the compiler;
  - the engine (runtime/include/akorn outside tasks/) never includes a task and never
    names one in code (namespaces, types);
  - a task never includes another task;
  - the compiler names a task only in its task table (compiler/tasks/).
usage: run_layout_tests.py REPO_ROOT"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checklib import check, finish  # noqa: E402

root = sys.argv[1]
runtime = os.path.join(root, "runtime", "include", "akorn")
tasks_dir = os.path.join(runtime, "tasks")
include_re = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)


def sources(top, exts=(".hpp", ".cuh", ".cpp", ".cu", ".h")):
    for dirpath, _, names in os.walk(top):
        for n in sorted(names):
            if n.endswith(exts):
                yield os.path.join(dirpath, n)


def code_only(text):
    """The text without // and /* */ comments and string literals (names in messages and
    comments are not dependencies)."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r'"(\\.|[^"\\])*"', '""', text)
    return re.sub(r"//[^\n]*", " ", text)


def rel(p):
    return os.path.relpath(p, root)


task_names = sorted(d for d in os.listdir(tasks_dir) if os.path.isdir(os.path.join(tasks_dir, d)))
check(task_names == ["sudoku"], f"runtime/include/akorn/tasks holds the tasks {task_names}")

engine_bad, engine_names, runtime_compiler = [], [], []
for p in sources(runtime):
    text = open(p, errors="replace").read()
    incs = include_re.findall(text)
    runtime_compiler += [f"{rel(p)}: {i}" for i in incs if i.startswith(("compiler/", "akornc")) or "check/" in i]
    if p.startswith(tasks_dir + os.sep):
        own = os.path.relpath(p, tasks_dir).split(os.sep)[0]
        others = [i for i in incs if i.startswith("akorn/tasks/") and not i.startswith(f"akorn/tasks/{own}/")]
        check(not others, f"task '{own}' includes no other task: {rel(p)} {others}")
        continue
    engine_bad += [f"{rel(p)}: {i}" for i in incs if i.startswith("akorn/tasks/") or i.startswith("tasks/")]
    code = code_only(text)
    for t in task_names:
        if re.search(rf"\b{t}\s*::|namespace\s+[\w:]*\b{t}\b", code):
            engine_names.append(f"{rel(p)} names '{t}'")
check(not runtime_compiler, f"the runtime never includes the compiler {runtime_compiler}")
check(not engine_bad, f"the engine never includes a task {engine_bad}")
check(not engine_names, f"the engine's code never names a task {engine_names}")

# The compiler names a task only in compiler/tasks/ (messages and comments included).
hits = []
for p in sources(os.path.join(root, "compiler"), (".cpp", ".hpp", ".txt", ".cmake")):
    if p.startswith(os.path.join(root, "compiler", "tasks") + os.sep):
        continue
    text = open(p, errors="replace").read()
    for t in task_names:
        if re.search(t, text, re.I):
            hits.append(f"{rel(p)} ({t})")
check(not hits, f"the compiler names a task only in compiler/tasks/ {hits}")
# and every task of the runtime has its compiler file, and no other
ctasks = sorted(os.path.splitext(n)[0] for n in os.listdir(os.path.join(root, "compiler", "tasks"))
                if n.endswith(".cpp") and n != "tasks.cpp")
check(ctasks == task_names, f"compiler/tasks/ has one file per runtime task: {ctasks} vs {task_names}")
finish()
