#include "clients/kubeapi/field_selector.hpp"

#include <algorithm>

namespace fedmetrics::kubeapi {
namespace {

std::vector<std::string> split_terms(std::string_view s) {
  std::vector<std::string> terms;
  if (s.empty()) return terms;
  std::size_t start = 0;
  bool in_slash = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (in_slash) {
      in_slash = false;
    } else if (s[i] == '\\') {
      in_slash = true;
    } else if (s[i] == ',') {
      terms.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  terms.emplace_back(s.substr(start));
  return terms;
}

Result<std::string> unescape(std::string_view v) {
  std::string out;
  bool in_slash = false;
  for (const char c : v) {
    if (in_slash) {
      if (c != '\\' && c != ',' && c != '=') {
        return make_error(Errc::InvalidArgument, std::string("invalid escape sequence: \\") + c);
      }
      out += c;
      in_slash = false;
    } else if (c == '\\') {
      in_slash = true;
    } else if (c == ',' || c == '=') {
      return make_error(Errc::InvalidArgument, std::string("invalid field selector: unescaped character '") + c + "'");
    } else {
      out += c;
    }
  }
  if (in_slash) return make_error(Errc::InvalidArgument, "invalid escape sequence: \\");
  return out;
}

std::string escape(const std::string& v) {
  std::string out;
  for (const char c : v) {
    if (c == '\\' || c == ',' || c == '=') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

bool FieldSelector::matches(const std::map<std::string, std::string>& fields) const {
  return std::all_of(requirements.begin(), requirements.end(), [&](const FieldRequirement& r) {
    const auto it = fields.find(r.field);
    const std::string& value = it == fields.end() ? std::string() : it->second;
    return (value == r.value) == r.equals;
  });
}

std::string FieldSelector::to_string() const {
  std::string out;
  for (const auto& r : requirements) {
    if (!out.empty()) out += ',';
    out += r.field + (r.equals ? "=" : "!=") + escape(r.value);
  }
  return out;
}

Result<FieldSelector> parse_field_selector(std::string_view text) {
  auto terms = split_terms(text);
  std::sort(terms.begin(), terms.end());
  FieldSelector out;
  for (const auto& term : terms) {
    if (term.empty()) continue;
    // The first position where an operator starts, trying `!=`, `==`, `=` there (pkg/fields splitTerm).
    std::size_t at = std::string::npos;
    std::string_view op;
    for (std::size_t i = 0; i < term.size() && at == std::string::npos; ++i) {
      for (const std::string_view candidate : {"!=", "==", "="}) {
        if (term.compare(i, candidate.size(), candidate) == 0) {
          at = i;
          op = candidate;
          break;
        }
      }
    }
    if (at == std::string::npos) {
      return make_error(Errc::InvalidArgument,
                        "invalid selector: '" + std::string(text) + "'; can't understand '" + term + "'");
    }
    auto value = unescape(std::string_view(term).substr(at + op.size()));
    if (!value) return value.error();
    out.requirements.push_back(FieldRequirement{term.substr(0, at), op != "!=", std::move(*value)});
  }
  return out;
}

}  // namespace fedmetrics::kubeapi
