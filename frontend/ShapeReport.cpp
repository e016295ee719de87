#include "frontend/ShapeReport.h"

#include <algorithm>
#include <fmt/format.h>
#include <ostream>

namespace nnc {

std::string withThousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string humanFlops(double f) {
  const char *units[] = {"", "K", "M", "G", "T", "P"};
  int u = 0;
  while (f >= 1000 && u < 5) {
    f /= 1000;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f}", f) : fmt::format("{:.2f}{}", f, units[u]);
}

void printShapeReport(std::ostream &os, const Graph &g) {
  size_t nameW = 4, typeW = 4;
  for (const BindingRow &r : g.rows) {
    nameW = std::max(nameW, r.name.size() + (r.kind.empty() ? 0 : r.kind.size() + 1));
    typeW = std::max(typeW, r.type.size());
  }
  os << fmt::format("network {}\n", g.name);
  os << fmt::format("  {:<{}}  {:<{}}  {:>12}  {:>9}\n", "name", nameW, "type", typeW, "params",
                    "FLOPs/ex");
  for (const BindingRow &r : g.rows) {
    std::string name = r.kind.empty() ? r.name : r.kind + " " + r.name;
    os << fmt::format("  {:<{}}  {:<{}}  {:>12}  {:>9}\n", name, nameW, r.type, typeW,
                      withThousands(r.params), humanFlops(r.flops));
  }
  int64_t all = g.parameterCount(false), trainable = g.parameterCount(true);
  os << fmt::format("  {:<{}}  {:<{}}  {:>12}  {:>9}\n", "total", nameW, "", typeW,
                    withThousands(trainable), humanFlops(g.flopsPerExample()));
  os << fmt::format("  {} trainable parameters", withThousands(trainable));
  if (all != trainable) os << fmt::format(" (+{} non-trainable)", withThousands(all - trainable));
  os << fmt::format(", {} FLOPs per example\n", humanFlops(g.flopsPerExample()));
}

} // namespace nnc
