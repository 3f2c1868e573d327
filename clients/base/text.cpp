#include "clients/base/text.hpp"

#include <algorithm>

namespace fedmetrics {

std::string printable_excerpt(std::string_view text, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  bool cut = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    char next;
    if (c >= 0x20 && c < 0x7f) {
      next = static_cast<char>(c);
    } else if (c == '\r' || c == '\n' || c == '\t' || c == '\v' || c == '\f') {
      next = ' ';
    } else if (c >= 0xc0) {
      // A UTF-8 lead byte: the whole sequence is one replacement character.
      while (i + 1 < text.size() && (static_cast<unsigned char>(text[i + 1]) & 0xc0) == 0x80) ++i;
      next = '?';
    } else {
      next = '?';  // other control bytes, DEL, a continuation byte without its lead
    }
    if (out.size() == max_bytes) {
      cut = true;
      break;
    }
    out.push_back(next);
  }
  if (cut) {
    if (max_bytes >= 3) {
      out.resize(max_bytes - 3);
      out += "...";
    }
  }
  return out;
}

}  // namespace fedmetrics
