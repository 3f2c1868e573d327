#include "server/app/duration.hpp"

#include <cmath>
#include <cstdlib>

namespace fedmetrics::app {

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  const std::string original(text);
  auto bad = [&] {
    return make_error(Errc::InvalidArgument,
                      "invalid duration \"" + original + "\" (use e.g. 500ms, 10s, 1m30s)");
  };
  if (text == "0") return std::chrono::milliseconds(0);
  if (text.empty() || text.size() > 64) return bad();
  double total_ms = 0;
  while (!text.empty()) {
    std::size_t i = 0;
    while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
    if (i == 0) return bad();
    const std::string number(text.substr(0, i));
    if (number == "." || number.find('.') != number.rfind('.')) return bad();
    const double value = std::strtod(number.c_str(), nullptr);
    text.remove_prefix(i);
    std::size_t j = 0;
    while (j < text.size() && !((text[j] >= '0' && text[j] <= '9') || text[j] == '.')) ++j;
    const std::string_view unit = text.substr(0, j);
    text.remove_prefix(j);
    double scale = 0;
    if (unit == "ns") scale = 1e-6;
    else if (unit == "us" || unit == "µs") scale = 1e-3;
    else if (unit == "ms") scale = 1;
    else if (unit == "s") scale = 1e3;
    else if (unit == "m") scale = 60e3;
    else if (unit == "h") scale = 3600e3;
    else return bad();
    total_ms += value * scale;
  }
  if (!std::isfinite(total_ms) || total_ms > 1e15) return bad();
  return std::chrono::milliseconds(static_cast<long long>(std::llround(total_ms)));
}

std::string format_duration(std::chrono::milliseconds d) {
  auto ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 1000) return std::to_string(ms) + "ms";
  const auto h = ms / 3600000;
  ms %= 3600000;
  const auto m = ms / 60000;
  ms %= 60000;
  if (h > 0) out += std::to_string(h) + "h";
  if (h > 0 || m > 0) out += std::to_string(m) + "m";
  const auto s = ms / 1000;
  const auto rest = ms % 1000;
  out += std::to_string(s);
  if (rest > 0) {
    std::string frac = std::to_string(rest + 1000).substr(1);
    while (frac.back() == '0') frac.pop_back();
    out += "." + frac;
  }
  return out + "s";
}

}  // namespace fedmetrics::app
