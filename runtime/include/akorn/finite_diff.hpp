// The finite-difference rule of every gradient test (the generated grad-ops / grad-model
// tests through testing.hpp, and runtime/tests): the central difference
//   (L(v + h) - L(v - h)) / 2h
// of loss() with respect to one value v, which is restored afterwards. Each caller keeps
// its own tolerance (what a disagreement means differs between one kernel and a whole model).
#pragma once

namespace akorn {

template <class Loss>
double central_difference(double& v, double h, Loss&& loss) {
  const double keep = v;
  v = keep + h;
  const double lp = loss();
  v = keep - h;
  const double lm = loss();
  v = keep;
  return (lp - lm) / (2 * h);
}

}  // namespace akorn
