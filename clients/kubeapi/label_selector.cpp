#include "clients/kubeapi/label_selector.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>

namespace fedmetrics::kubeapi {
namespace {

// ---- validation (apimachinery pkg/util/validation) ----

constexpr std::size_t kMaxNameLength = 63;
constexpr std::size_t kMaxPrefixLength = 253;

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], or empty when allow_empty.
bool is_label_token(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  if (!is_alnum(s.front()) || !is_alnum(s.back())) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; });
}

// RFC 1123 subdomain: lowercase labels [a-z0-9]([-a-z0-9]*[a-z0-9])? joined by dots.
bool is_dns1123_subdomain(std::string_view s) {
  if (s.empty() || s.size() > kMaxPrefixLength) {
    return false;
  }
  auto lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = s.find('.', start);
    const std::string_view label = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    if (label.empty() || !lower_alnum(label.front()) || !lower_alnum(label.back()) ||
        !std::all_of(label.begin(), label.end(), [&](char c) { return lower_alnum(c) || c == '-'; })) {
      return false;
    }
    if (dot == std::string_view::npos) {
      return true;
    }
    start = dot + 1;
  }
}

constexpr std::string_view kNameRule =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

// IsQualifiedName; returns the problem, or nullopt when valid.
std::optional<std::string> qualified_name_problem(std::string_view key) {
  std::string_view name = key;
  const std::size_t slash = key.find('/');
  if (slash != std::string_view::npos) {
    if (key.find('/', slash + 1) != std::string_view::npos) {
      return "a qualified name must consist of an optional DNS subdomain prefix, '/' and a name";
    }
    const std::string_view prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (prefix.empty()) {
      return "prefix part must be non-empty";
    }
    if (prefix.size() > kMaxPrefixLength) {
      return "prefix part must be no more than 253 characters";
    }
    if (!is_dns1123_subdomain(prefix)) {
      return "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
             "'-' or '.', and must start and end with an alphanumeric character";
    }
  }
  if (name.empty()) {
    return "name part must be non-empty";
  }
  if (name.size() > kMaxNameLength) {
    return "name part must be no more than 63 characters";
  }
  if (!is_label_token(name)) {
    return std::string(kNameRule);
  }
  return std::nullopt;
}

std::optional<std::string> label_value_problem(std::string_view value) {
  if (value.size() > kMaxNameLength) {
    return "must be no more than 63 characters";
  }
  if (!value.empty() && !is_label_token(value)) {
    return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
           "and must start and end with an alphanumeric character";
  }
  return std::nullopt;
}

std::optional<std::int64_t> parse_int64(std::string_view s) {
  std::int64_t v = 0;
  const char* first = s.data();
  const char* last = s.data() + s.size();
  if (!s.empty() && s.front() == '+') {
    ++first;  // strconv.ParseInt accepts a leading '+'
  }
  const auto [ptr, ec] = std::from_chars(first, last, v);
  if (ec != std::errc() || ptr != last || first == last) {
    return std::nullopt;
  }
  return v;
}

// Quotes user text in messages without letting control bytes through.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// ---- lexer (selector.go Lexer) ----

enum class Token {
  Error, End, ClosedPar, Comma, DoesNotExist, DoubleEquals, Equals, GreaterThan, Identifier, In, LessThan,
  NotEquals, NotIn, OpenPar
};

struct Scanned {
  Token tok = Token::End;
  std::string literal;
};

bool is_whitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_special(char c) { return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<'; }

std::optional<Token> symbol_token(std::string_view s) {
  if (s == ")") return Token::ClosedPar;
  if (s == ",") return Token::Comma;
  if (s == "!") return Token::DoesNotExist;
  if (s == "==") return Token::DoubleEquals;
  if (s == "=") return Token::Equals;
  if (s == ">") return Token::GreaterThan;
  if (s == "<") return Token::LessThan;
  if (s == "!=") return Token::NotEquals;
  if (s == "(") return Token::OpenPar;
  return std::nullopt;
}

std::vector<Scanned> lex(std::string_view s) {
  std::vector<Scanned> out;
  std::size_t pos = 0;
  while (true) {
    while (pos < s.size() && is_whitespace(s[pos])) {
      ++pos;
    }
    if (pos >= s.size()) {
      out.push_back({Token::End, ""});
      return out;
    }
    if (is_special(s[pos])) {
      // Longest run of special characters that still forms a known symbol ("!=" but "!" then "(").
      std::optional<Scanned> last;
      std::size_t end = pos;
      while (end < s.size() && is_special(s[end])) {
        const std::string_view candidate = s.substr(pos, end - pos + 1);
        if (const auto tok = symbol_token(candidate)) {
          last = Scanned{*tok, std::string(candidate)};
        } else if (last) {
          break;
        }
        ++end;
      }
      if (!last) {
        out.push_back({Token::Error, "error expected: keyword found '" + std::string(s.substr(pos, end - pos)) + "'"});
        return out;
      }
      pos += last->literal.size();
      out.push_back(std::move(*last));
      continue;
    }
    const std::size_t start = pos;
    while (pos < s.size() && !is_whitespace(s[pos]) && !is_special(s[pos])) {
      ++pos;
    }
    std::string word(s.substr(start, pos - start));
    const Token tok = word == "in" ? Token::In : word == "notin" ? Token::NotIn : Token::Identifier;
    out.push_back({tok, std::move(word)});
  }
}

// ---- parser (selector.go Parser) ----

Error parse_error(std::string message) { return make_error(Errc::InvalidArgument, std::move(message)); }

class Parser {
 public:
  explicit Parser(std::vector<Scanned> items) : items_(std::move(items)) {}

  Result<std::vector<Requirement>> parse() {
    std::vector<Requirement> requirements;
    while (true) {
      const auto [tok, lit] = lookahead();
      switch (tok) {
        case Token::Identifier:
        case Token::DoesNotExist: {
          auto r = parse_requirement();
          if (!r) {
            return parse_error("unable to parse requirement: " + r.error().message);
          }
          requirements.push_back(std::move(*r));
          const auto [t, l] = consume();
          if (t == Token::End) {
            return requirements;
          }
          if (t != Token::Comma) {
            return parse_error("found '" + l + "', expected: ',' or 'end of string'");
          }
          const auto [t2, l2] = lookahead();
          if (t2 != Token::Identifier && t2 != Token::DoesNotExist) {
            return parse_error("found '" + l2 + "', expected: identifier after ','");
          }
          break;
        }
        case Token::End:
          return requirements;
        default:
          return parse_error("found '" + lit + "', expected: !, identifier, or 'end of string'");
      }
    }
  }

 private:
  // In value context (the only one the grammar needs outside operators) in/notin are identifiers.
  std::pair<Token, std::string> lookahead(bool as_values = true) const {
    const Scanned& s = items_[pos_];
    Token tok = s.tok;
    if (as_values && (tok == Token::In || tok == Token::NotIn)) {
      tok = Token::Identifier;
    }
    return {tok, s.tok == Token::End ? "" : s.literal};
  }
  std::pair<Token, std::string> consume(bool as_values = true) {
    auto r = lookahead(as_values);
    if (pos_ + 1 < items_.size()) {
      ++pos_;
    }
    return r;
  }

  Result<Requirement> parse_requirement() {
    Requirement req;
    bool does_not_exist = false;
    auto [tok, lit] = consume();
    if (tok == Token::DoesNotExist) {
      does_not_exist = true;
      std::tie(tok, lit) = consume();
    }
    if (tok != Token::Identifier) {
      return parse_error("found '" + lit + "', expected: identifier");
    }
    if (auto problem = qualified_name_problem(lit)) {
      return parse_error("invalid label key " + quoted(lit) + ": " + *problem);
    }
    req.key = lit;
    const Token next = lookahead().first;
    if (does_not_exist || next == Token::End || next == Token::Comma) {
      // "!k=v" stops here too; the caller then fails on the unexpected '='.
      req.op = does_not_exist ? SelectorOp::DoesNotExist : SelectorOp::Exists;
      return req;
    }
    const auto [op_tok, op_lit] = consume(false);
    switch (op_tok) {
      case Token::In: req.op = SelectorOp::In; break;
      case Token::NotIn: req.op = SelectorOp::NotIn; break;
      case Token::Equals: req.op = SelectorOp::Equals; break;
      case Token::DoubleEquals: req.op = SelectorOp::DoubleEquals; break;
      case Token::NotEquals: req.op = SelectorOp::NotEquals; break;
      case Token::GreaterThan: req.op = SelectorOp::GreaterThan; break;
      case Token::LessThan: req.op = SelectorOp::LessThan; break;
      default:
        return parse_error("found '" + op_lit + "', expected: in, notin, =, ==, !=, gt, lt");
    }
    Result<std::vector<std::string>> values =
        (req.op == SelectorOp::In || req.op == SelectorOp::NotIn) ? parse_values() : parse_exact_value();
    if (!values) {
      return values.error();
    }
    req.values = std::move(*values);
    std::sort(req.values.begin(), req.values.end());
    req.values.erase(std::unique(req.values.begin(), req.values.end()), req.values.end());
    if (auto problem = validate_values(req)) {
      return parse_error(*problem);
    }
    return req;
  }

  Result<std::vector<std::string>> parse_values() {
    const auto [tok, lit] = consume();
    if (tok != Token::OpenPar) {
      return parse_error("found '" + lit + "' expected: '('");
    }
    const auto [t2, l2] = lookahead();
    if (t2 == Token::ClosedPar) {
      consume();
      return std::vector<std::string>{""};  // "()" is the one empty value, as in Go
    }
    if (t2 != Token::Identifier && t2 != Token::Comma) {
      return parse_error("found '" + l2 + "', expected: ',', ')' or identifier");
    }
    std::vector<std::string> values;
    while (true) {
      const auto [t, l] = consume();
      if (t == Token::Identifier) {
        values.push_back(l);
        const auto [t3, l3] = lookahead();
        if (t3 == Token::ClosedPar) {
          break;
        }
        if (t3 != Token::Comma) {
          return parse_error("found '" + l3 + "', expected: ',' or ')'");
        }
      } else if (t == Token::Comma) {
        // "(,a" / "a,)" / "a,,b" each carry an empty value.
        if (values.empty()) {
          values.push_back("");
        }
        const Token t3 = lookahead().first;
        if (t3 == Token::ClosedPar) {
          values.push_back("");
          break;
        }
        if (t3 == Token::Comma) {
          consume();
          values.push_back("");
        }
      } else {
        return parse_error("found '" + l + "', expected: ',', or identifier");
      }
    }
    consume();  // the ')' seen by lookahead
    return values;
  }

  Result<std::vector<std::string>> parse_exact_value() {
    const Token next = lookahead().first;
    if (next == Token::End || next == Token::Comma) {
      return std::vector<std::string>{""};  // "k=" selects the empty value
    }
    const auto [tok, lit] = consume();
    if (tok != Token::Identifier) {
      return parse_error("found '" + lit + "', expected: identifier");
    }
    return std::vector<std::string>{lit};
  }

  // NewRequirement's checks on values.
  static std::optional<std::string> validate_values(const Requirement& req) {
    for (std::size_t i = 0; i < req.values.size(); ++i) {
      if (auto problem = label_value_problem(req.values[i])) {
        return "values[" + std::to_string(i) + "]: Invalid value: " + quoted(req.values[i]) + ": " + *problem;
      }
    }
    if (req.op == SelectorOp::GreaterThan || req.op == SelectorOp::LessThan) {
      if (!parse_int64(req.values.front())) {
        return "values[0]: Invalid value: " + quoted(req.values.front()) +
               ": for 'Gt', 'Lt' operators, the value must be an integer";
      }
    }
    return std::nullopt;
  }

  std::vector<Scanned> items_;
  std::size_t pos_ = 0;
};

std::string_view op_text(SelectorOp op) {
  switch (op) {
    case SelectorOp::Equals: return "=";
    case SelectorOp::DoubleEquals: return "==";
    case SelectorOp::NotEquals: return "!=";
    case SelectorOp::In: return " in ";
    case SelectorOp::NotIn: return " notin ";
    case SelectorOp::GreaterThan: return ">";
    case SelectorOp::LessThan: return "<";
    case SelectorOp::Exists:
    case SelectorOp::DoesNotExist: return "";
  }
  return "";
}

bool requirement_matches(const Requirement& r, const std::map<std::string, std::string>& labels) {
  const auto it = labels.find(r.key);
  const bool has = it != labels.end();
  auto contains = [&](const std::string& v) { return std::find(r.values.begin(), r.values.end(), v) != r.values.end(); };
  switch (r.op) {
    case SelectorOp::In:
    case SelectorOp::Equals:
    case SelectorOp::DoubleEquals:
      return has && contains(it->second);
    case SelectorOp::NotIn:
    case SelectorOp::NotEquals:
      return !has || !contains(it->second);
    case SelectorOp::Exists:
      return has;
    case SelectorOp::DoesNotExist:
      return !has;
    case SelectorOp::GreaterThan:
    case SelectorOp::LessThan: {
      if (!has || r.values.size() != 1) {
        return false;
      }
      const auto label_value = parse_int64(it->second);
      const auto bound = parse_int64(r.values.front());
      if (!label_value || !bound) {
        return false;
      }
      return r.op == SelectorOp::GreaterThan ? *label_value > *bound : *label_value < *bound;
    }
  }
  return false;
}

void sort_by_key(std::vector<Requirement>& requirements) {
  std::stable_sort(requirements.begin(), requirements.end(),
                   [](const Requirement& a, const Requirement& b) { return a.key < b.key; });
}

}  // namespace

bool Selector::matches(const std::map<std::string, std::string>& labels) const {
  return std::all_of(requirements.begin(), requirements.end(),
                     [&](const Requirement& r) { return requirement_matches(r, labels); });
}

std::string Selector::to_string() const {
  std::vector<Requirement> sorted = requirements;
  sort_by_key(sorted);
  std::string out;
  for (const Requirement& r : sorted) {
    if (!out.empty()) {
      out += ',';
    }
    if (r.op == SelectorOp::DoesNotExist) {
      out += '!';
    }
    out += r.key;
    if (r.op == SelectorOp::Exists || r.op == SelectorOp::DoesNotExist) {
      continue;
    }
    out += op_text(r.op);
    const bool set_op = r.op == SelectorOp::In || r.op == SelectorOp::NotIn;
    if (set_op) {
      out += '(';
    }
    std::vector<std::string> values = r.values;
    std::sort(values.begin(), values.end());
    for (std::size_t i = 0; i < values.size(); ++i) {
      out += (i == 0 ? "" : ",") + values[i];
    }
    if (set_op) {
      out += ')';
    }
  }
  return out;
}

Result<Selector> parse_label_selector(std::string_view text) {
  if (text.size() > kMaxLabelSelectorLength) {
    return parse_error("label selector is " + std::to_string(text.size()) + " bytes long, more than the limit of " +
                       std::to_string(kMaxLabelSelectorLength));
  }
  // A lexer error ends the token list; the parser reports it when it gets there, as Go does.
  Parser parser(lex(text));
  auto requirements = parser.parse();
  if (!requirements) {
    return requirements.error();
  }
  Selector selector{std::move(*requirements)};
  sort_by_key(selector.requirements);
  return selector;
}

Result<LabelSelector> to_label_selector(const Selector& selector) {
  LabelSelector out;
  for (const Requirement& r : selector.requirements) {
    std::string op;
    switch (r.op) {
      case SelectorOp::Equals:
      case SelectorOp::DoubleEquals: {
        if (r.values.size() != 1) {
          return parse_error("equals operator must have exactly one value");
        }
        const auto [it, inserted] = out.match_labels.emplace(r.key, r.values.front());
        if (inserted || it->second == r.values.front()) {
          continue;
        }
        op = "In";  // a conflicting second equality: keep both constraints (see header)
        break;
      }
      case SelectorOp::In: op = "In"; break;
      case SelectorOp::NotIn: op = "NotIn"; break;
      case SelectorOp::Exists: op = "Exists"; break;
      case SelectorOp::DoesNotExist: op = "DoesNotExist"; break;
      case SelectorOp::NotEquals:
        return parse_error("\"!=\" is not a valid label selector operator");
      case SelectorOp::GreaterThan:
        return parse_error("\"gt\" isn't supported in label selectors");
      case SelectorOp::LessThan:
        return parse_error("\"lt\" isn't supported in label selectors");
    }
    out.match_expressions.push_back({r.key, op, r.values});
  }
  return out;
}

}  // namespace fedmetrics::kubeapi
