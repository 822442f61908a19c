// Optimiser state and steps: Adam (PyTorch semantics, bias-corrected), clipping to a global
// gradient norm. Only trainable parameters are touched.
#pragma once
#include <cmath>
#include <vector>

#include "model_info.hpp"

namespace akorn {

template <typename S>
struct Adam {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  std::int64_t t = 0;
  std::vector<S> m, v;

  void step(const ParamInfo* ps, int n, index_t param_elems, S* params, const S* grads) {
    if (m.empty()) {
      m.assign(static_cast<size_t>(param_elems), S(0));
      v.assign(static_cast<size_t>(param_elems), S(0));
    }
    ++t;
    const double c1 = 1.0 - std::pow(beta1, static_cast<double>(t));
    const double c2 = 1.0 - std::pow(beta2, static_cast<double>(t));
    const S b1 = static_cast<S>(beta1), b2 = static_cast<S>(beta2);
    const S step = static_cast<S>(lr / c1), rc2 = static_cast<S>(1.0 / std::sqrt(c2)), e = static_cast<S>(eps);
    // 1 - beta in double, then rounded, as torch does (alpha = 1 - beta1); in float,
    // 1 - float(0.999) is 1.3e-5 (relative) away from float(1 - 0.999)
    const S one_b1 = static_cast<S>(1.0 - beta1), one_b2 = static_cast<S>(1.0 - beta2);
    for (int i = 0; i < n; ++i) {
      if (!ps[i].trainable) continue;
      const index_t o = ps[i].offset;
      S* p = params + o;
      const S* g = grads + o;
      S* mm = m.data() + o;
      S* vv = v.data() + o;
      for (index_t k = 0; k < ps[i].elems; ++k) {
        mm[k] = b1 * mm[k] + one_b1 * g[k];
        vv[k] = b2 * vv[k] + one_b2 * g[k] * g[k];
        p[k] -= step * mm[k] / (std::sqrt(vv[k]) * rc2 + e);
      }
    }
  }
};

// Scales the gradients so that their global L2 norm is at most max_norm (torch's
// clip_grad_norm_); returns the norm before clipping.
template <typename S>
double clip_grad_norm(const ParamInfo* ps, int n, S* grads, double max_norm) {
  double sq = 0.0;
  for (int i = 0; i < n; ++i) {
    if (!ps[i].trainable) continue;
    const S* g = grads + ps[i].offset;
    for (index_t k = 0; k < ps[i].elems; ++k) sq += static_cast<double>(g[k]) * g[k];
  }
  double norm = std::sqrt(sq);
  double scale = max_norm / (norm + 1e-6);
  if (scale < 1.0)
    for (int i = 0; i < n; ++i) {
      if (!ps[i].trainable) continue;
      S* g = grads + ps[i].offset;
      for (index_t k = 0; k < ps[i].elems; ++k) g[k] = static_cast<S>(g[k] * scale);
    }
  return norm;
}

}  // namespace akorn
