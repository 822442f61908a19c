"""What must never depend on what (ARCHITECTURE.md, "Rules"), read from the sources:
  - the runtime never includes the compiler;
  - the engine (runtime/include/akorn outside tasks/) never includes a task and never
    names one in code (namespaces, types);
  - a task never includes another task;
  - the compiler names a task only in its task table (compiler/tasks/);
  - one folder per op in the runtime (ops/<op>/): every kernel of the one kernel list
    (ops/kernel_list.hpp) is defined in a folder's cpu.hpp and in the same folder's cuda.cuh;
    sizes and saved layouts are declared in its layout.hpp only, never in the kernels;
  - one file per op in the compiler (compiler/ops/<op>.cpp), each defining one OpDef that the
    op table (compiler/ops/op_table.cpp) lists; no other compiler file dispatches on OpKind
    with a switch.
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
check(task_names == ["objects", "sudoku"], f"runtime/include/akorn/tasks holds the tasks {task_names}")

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

# One folder per op: ops/<op>/{layout.hpp,cpu.hpp,cuda.cuh}, each kernel of the list in both.
ops_dir = os.path.join(runtime, "ops")
kernel_list = open(os.path.join(ops_dir, "kernel_list.hpp")).read()
kernels = re.findall(r"^\s*X\((\w+),", kernel_list, re.M)
check(len(kernels) >= 10, f"ops/kernel_list.hpp lists the kernels ({len(kernels)})")
folders = sorted(d for d in os.listdir(ops_dir) if os.path.isdir(os.path.join(ops_dir, d)))
loose = sorted(n for n in os.listdir(ops_dir) if n.endswith((".hpp", ".cuh")) and n != "kernel_list.hpp")
check(not loose, f"ops/ holds folders and the kernel list only {loose}")
where = {}
for d in folders:
    cpu, cu = os.path.join(ops_dir, d, "cpu.hpp"), os.path.join(ops_dir, d, "cuda.cuh")
    check(os.path.exists(cpu) and os.path.exists(cu), f"ops/{d}/ has cpu.hpp and cuda.cuh")
    if not (os.path.exists(cpu) and os.path.exists(cu)):
        continue
    cpu_text, cu_text = code_only(open(cpu).read()), code_only(open(cu).read())
    for k in kernels:
        in_cpu = re.search(rf"\bstruct {k}\b\s*[:{{]", cpu_text) is not None
        in_cu = re.search(rf"\bstruct {k}\b\s*[:{{]", cu_text) is not None
        if in_cpu or in_cu:
            check(in_cpu and in_cu, f"kernel {k}: CPU and CUDA definitions side by side in ops/{d}/")
            where[k] = d
    # sizes belong to the op's layout.hpp: the kernels declare none of their own
    for f, text in (("cpu.hpp", cpu_text), ("cuda.cuh", cu_text)):
        own = re.findall(r"static constexpr index_t (\w*_elems)\s*=", text)
        check(not own, f"ops/{d}/{f} takes its sizes from layout.hpp {own}")
missing = [k for k in kernels if k not in where]
check(not missing, f"every kernel of the list has a folder {missing}")
stray = []
for p in sources(runtime, (".cuh",)):
    r = os.path.relpath(p, runtime)
    if not (r.startswith("cuda" + os.sep) or r.startswith("ops" + os.sep) or r.startswith("tasks" + os.sep)):
        stray.append(r)
check(not stray, f"CUDA headers live in cuda/ (shared device code), ops/<op>/ or a task {stray}")

# One file per op in the compiler, one op table.
cops = os.path.join(root, "compiler", "ops")
table = open(os.path.join(cops, "op_table.cpp")).read()
listed = re.findall(r"&(op_\w+)\(\)", table)
defined = {}
for n in sorted(os.listdir(cops)):
    if not n.endswith(".cpp") or n == "op_table.cpp":
        continue
    defs = re.findall(r"^const OpDef& (op_\w+)\(\) \{", open(os.path.join(cops, n)).read(), re.M)
    check(len(defs) == 1, f"compiler/ops/{n} defines one op ({defs})")
    for d in defs:
        defined[d] = n
check(sorted(listed) == sorted(defined), f"the op table lists every op file's OpDef: {sorted(listed)} vs {sorted(defined)}")
switches = []
for p in sources(os.path.join(root, "compiler"), (".cpp", ".hpp")):
    if p.startswith(cops + os.sep):
        continue
    if len(re.findall(r"case OpKind::", code_only(open(p).read()))) > 1:
        switches.append(rel(p))
check(not switches, f"no switch on OpKind outside compiler/ops/ {switches}")
finish()
