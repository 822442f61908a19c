// Memory plan, in two steps kept apart (as TFLite Micro's planner): the lifetimes of every
// buffer a phase needs (plan_lifetimes, from the phase's schedule), then their places in one
// arena, greedy by size (place_buffers).
// Every buffer's size is per sample, so offsets stay valid for any batch size N once
// multiplied by N. The plan is data: `akornc check --plan` prints it, verify_plan() proves
// no two buffers that are live at the same step overlap, and the generated tests check the
// emitted tables again.
#include <algorithm>
#include <cstdio>
#include <sstream>

#include "diag.hpp"
#include "program.hpp"

namespace akornc {

namespace {
constexpr int64_t kAlign = 16;  // elements: 64-byte alignment for float

int64_t align_up(int64_t x) { return (x + kAlign - 1) / kAlign * kAlign; }

struct Builder {
  Plan plan;
  int add(const BufferKey& key, const std::string& name, int64_t elems, int first, int last) {
    PlannedBuffer b;
    b.key = key;
    b.name = name;
    b.ident = ident(name);
    b.elems = elems;
    b.first = first;
    b.last = last;
    plan.buffers.push_back(b);
    return static_cast<int>(plan.buffers.size()) - 1;
  }
};
}  // namespace

Schedule plan_schedule(const Program& prog, Phase phase) {
  // The forward steps of the ops this phase runs, then (training) the backward steps in
  // reverse order.
  Schedule s;
  s.fwd_step.assign(prog.ops.size(), -1);
  s.bwd_step.assign(prog.ops.size(), -1);
  int step = 0;
  for (size_t i = 0; i < prog.ops.size(); ++i) {
    const LoweredOp& lop = prog.ops[i];
    if (phase == Phase::Infer ? lop.in_infer : lop.in_train) {
      s.fwd_step[i] = step++;
      s.step_names.push_back("forward " + lop.op->name);
    }
  }
  if (phase == Phase::Train)
    for (size_t i = prog.ops.size(); i-- > 0;)
      if (prog.ops[i].has_backward) {
        s.bwd_step[i] = step++;
        s.step_names.push_back("backward " + prog.ops[i].op->name);
      }
  s.steps = step;
  return s;
}

Plan plan_lifetimes(const Program& prog, Phase phase) {
  const Graph& g = *prog.graph;
  Builder b;
  b.plan.phase = phase;
  b.plan.schedule = plan_schedule(prog, phase);
  const std::vector<int>& fwd_step = b.plan.schedule.fwd_step;
  const std::vector<int>& bwd_step = b.plan.schedule.bwd_step;

  // Values: from their producer's step to their last reader (forward consumers, and in
  // training the backward steps that read them).
  for (size_t i = 0; i < prog.ops.size(); ++i) {
    const LoweredOp& lop = prog.ops[i];
    if (fwd_step[i] < 0) continue;
    OpCtx ctx{prog, lop};
    for (size_t o = 0; o < lop.out_values.size(); ++o) {
      if (lop.impl->output_is_external(ctx, static_cast<int>(o))) continue;
      const Value& v = g.values[lop.out_values[o]];
      int last = fwd_step[i];
      if (bwd_step[i] >= 0 && lop.impl->bwd_needs_output(ctx, static_cast<int>(o)))
        last = std::max(last, bwd_step[i]);
      for (int c : v.consumers) {
        if (fwd_step[c] < 0) continue;
        last = std::max(last, fwd_step[c]);
        const LoweredOp& cl = prog.ops[c];
        OpCtx cctx{prog, cl};
        for (size_t k = 0; k < cl.in_values.size(); ++k)
          if (cl.in_values[k] == lop.out_values[o] && bwd_step[c] >= 0 &&
              cl.impl->bwd_needs_input(cctx, static_cast<int>(k)))
            last = std::max(last, bwd_step[c]);
      }
      // The loss is one number per batch; it still gets one element per sample.
      b.add(BufferKey::value(lop.out_values[o]), "value " + v.name, v.elems(), fwd_step[i], last);
    }
    for (const BufReq& r : lop.impl->buffers(ctx, phase)) {
      int first = fwd_step[i], last = fwd_step[i];
      if (r.life == BufReq::Saved && bwd_step[i] >= 0) last = bwd_step[i];
      if (r.life == BufReq::BwdWs) {
        if (bwd_step[i] < 0) continue;
        first = last = bwd_step[i];
      }
      b.add(BufferKey::op_buffer(lop.op->index, r.role), lop.op->name + ": " + r.role, r.elems, first, last);
    }
  }

  // Gradients: from the first backward step that writes them (the last consumer's) to the
  // producer's backward step that reads them.
  if (phase == Phase::Train) {
    for (size_t v = 0; v < g.values.size(); ++v) {
      if (!prog.value_needs_grad[v]) continue;
      const Value& val = g.values[v];
      int first = -1;
      for (int c : val.consumers) {
        const LoweredOp& cl = prog.ops[c];
        for (size_t k = 0; k < cl.in_values.size(); ++k)
          if (cl.in_values[k] == static_cast<int>(v) && cl.in_needs_grad[k] && bwd_step[c] >= 0)
            first = first < 0 ? bwd_step[c] : std::min(first, bwd_step[c]);
      }
      int last = val.producer >= 0 ? bwd_step[val.producer] : -1;
      if (first < 0) first = last;  // the loss: seeded by its own backward step
      if (first < 0 || last < 0) continue;
      b.add(BufferKey::grad(static_cast<int>(v)), "grad " + val.name, val.elems(), first, std::max(first, last));
    }
  }
  return b.plan;
}

void place_buffers(Plan& plan) {
  // Greedy by size: largest first, each at the lowest offset that does not collide with an
  // already placed buffer whose lifetime intersects.
  std::vector<int> order(plan.buffers.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::stable_sort(order.begin(), order.end(), [&](int a, int c) {
    return plan.buffers[a].elems > plan.buffers[c].elems;
  });
  std::vector<int> placed;
  int64_t total = 0;
  for (int idx : order) {
    PlannedBuffer& buf = plan.buffers[idx];
    std::vector<std::pair<int64_t, int64_t>> busy;  // [begin, end) of live neighbours
    for (int p : placed) {
      const PlannedBuffer& o = plan.buffers[p];
      if (o.first <= buf.last && buf.first <= o.last)
        busy.push_back({o.offset, o.offset + align_up(o.elems)});
    }
    std::sort(busy.begin(), busy.end());
    int64_t off = 0;
    for (auto& [lo, hi] : busy) {
      if (off + align_up(buf.elems) <= lo) break;
      off = std::max(off, hi);
    }
    buf.offset = off;
    total = std::max(total, off + align_up(buf.elems));
    placed.push_back(idx);
  }
  plan.total_elems = total;
}

void verify_plan(const Plan& plan) {
  const auto& bs = plan.buffers;
  for (size_t i = 0; i < bs.size(); ++i) {
    if (bs[i].offset < 0 || bs[i].offset % kAlign != 0 || bs[i].offset + bs[i].elems > plan.total_elems)
      fail("memory plan: buffer '" + bs[i].name + "' is misplaced (internal error)");
    for (size_t j = i + 1; j < bs.size(); ++j) {
      const auto &a = bs[i], &c = bs[j];
      bool live_together = a.first <= c.last && c.first <= a.last;
      bool overlap = a.offset < c.offset + c.elems && c.offset < a.offset + a.elems;
      if (live_together && overlap && a.elems > 0 && c.elems > 0)
        fail("memory plan: buffers '" + a.name + "' and '" + c.name +
             "' are live together and overlap (internal error)");
    }
  }
}

std::string format_plan(const Plan& plan, int batch) {
  std::ostringstream os;
  char line[512];
  std::snprintf(line, sizeof line, "  %-34s %14s %14s  %s\n", "buffer", "offset (B)", "size (B)",
                "live steps");
  os << line;
  std::vector<const PlannedBuffer*> sorted;
  for (auto& b : plan.buffers) sorted.push_back(&b);
  std::sort(sorted.begin(), sorted.end(),
            [](auto* a, auto* b) { return a->offset < b->offset || (a->offset == b->offset && a->first < b->first); });
  for (auto* b : sorted) {
    std::snprintf(line, sizeof line, "  %-34s %14lld %14lld  %d..%d\n", b->name.c_str(),
                  static_cast<long long>(b->offset * 4 * batch),
                  static_cast<long long>(b->elems * 4 * batch), b->first, b->last);
    os << line;
  }
  return os.str();
}

}  // namespace akornc
