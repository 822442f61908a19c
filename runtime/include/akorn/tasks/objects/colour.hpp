// HSV <-> RGB of the object task, written once for the colour jitter (float: the hue shift of
// augment.hpp) and the generators (double: the sprites' colours of synth.hpp); h, s, v and
// r, g, b in [0, 1], h taken modulo 1.
#pragma once

#include <algorithm>
#include <cmath>

namespace akorn::objects {

template <class T>
inline void rgb_to_hsv(T r, T g, T b, T& h, T& s, T& v) {
  const T mx = std::max({r, g, b}), mn = std::min({r, g, b}), d = mx - mn;
  v = mx;
  s = mx > 0 ? d / mx : T(0);
  if (d <= 0) {
    h = 0;
    return;
  }
  T hh;
  if (mx == r) hh = (g - b) / d;
  else if (mx == g) hh = T(2) + (b - r) / d;
  else hh = T(4) + (r - g) / d;
  hh /= T(6);
  h = hh - std::floor(hh);
}

template <class T>
inline void hsv_to_rgb(T h, T s, T v, T& r, T& g, T& b) {
  const T hh = (h - std::floor(h)) * T(6);
  const int i = std::min(int(hh), 5);
  const T f = hh - T(i);
  const T p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  switch (i) {
    case 0: r = v, g = t, b = p; break;
    case 1: r = q, g = v, b = p; break;
    case 2: r = p, g = v, b = t; break;
    case 3: r = p, g = q, b = v; break;
    case 4: r = t, g = p, b = v; break;
    default: r = v, g = p, b = q; break;
  }
}

}  // namespace akorn::objects
