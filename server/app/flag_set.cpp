#include "server/app/flag_set.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "server/app/duration.hpp"

namespace fedmetrics::app {
namespace {

std::string shown_string(const std::string& v) { return v.empty() ? "" : "\"" + v + "\""; }

std::string shown_number(double v) {
  if (v == 0) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string shown_list(const std::vector<std::string>& v) {
  if (v.empty()) return "";
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + v[i];
  return out + "]";
}

std::string shown_duration(const std::string& v) { return v == "0" || v == "0s" ? "" : v; }

// Value checks of no-effect flags, as strict as pflag's parsers (an error names the flag).
std::string check_integer(const std::string& s) {
  if (s.empty()) return "not an integer";
  std::size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return "not an integer";
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return "\"" + s + "\" is not an integer";
  }
  return "";
}

std::string check_float(const std::string& s) {
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  if (s.empty() || end == nullptr || *end != '\0') return "\"" + s + "\" is not a number";
  return "";
}

std::string check_duration(const std::string& s) {
  auto d = parse_duration(s);
  return d ? "" : d.error().message;
}

}  // namespace

std::vector<std::string> FlagStore::given_no_effect(const CLI::App& app) const {
  std::vector<std::string> out;
  for (const auto& name : no_effect_names) {
    if (app.count(name) > 0) out.push_back(name);
  }
  return out;
}

void FlagStore::drop_empty_list_items() {
  for (auto* list : list_targets) std::erase(*list, std::string());
}

CLI::Option* FlagSet::finish(CLI::Option* option, const std::string& type, const std::string& shown_default) {
  option->group(section_)->type_name(type)->default_str(shown_default);
  return option;
}

CLI::Option* FlagSet::string(const std::string& name, std::string& value, const std::string& usage,
                             const std::string& type) {
  // pflag quotes string defaults but not IP addresses.
  return finish(app_.add_option(name, value, usage), type, type == "ip" ? value : shown_string(value));
}

CLI::Option* FlagSet::duration(const std::string& name, std::string& value, const std::string& usage) {
  return finish(app_.add_option(name, value, usage), "duration", shown_duration(value));
}

CLI::Option* FlagSet::integer(const std::string& name, int& value, const std::string& usage) {
  return finish(app_.add_option(name, value, usage), "int", shown_number(value));
}

CLI::Option* FlagSet::integer(const std::string& name, std::int64_t& value, const std::string& usage) {
  return finish(app_.add_option(name, value, usage), "int", shown_number(static_cast<double>(value)));
}

CLI::Option* FlagSet::number(const std::string& name, double& value, const std::string& usage,
                             const std::string& type) {
  return finish(app_.add_option(name, value, usage), type, shown_number(value));
}

CLI::Option* FlagSet::strings(const std::string& name, std::vector<std::string>& value, const std::string& usage) {
  const std::string shown = shown_list(value);
  store_.list_targets.push_back(&value);
  return finish(app_.add_option(name, value, usage)->delimiter(',')->multi_option_policy(CLI::MultiOptionPolicy::TakeAll),
                "strings", shown);
}

CLI::Option* FlagSet::boolean(const std::string& name, bool& value, const std::string& usage) {
  return finish(app_.add_flag(name, value, usage), "bool", value ? "true" : "");
}

CLI::Option* FlagSet::no_effect(const std::string& name, const std::string& type, const std::string& default_value,
                                const std::string& usage, const std::string& why) {
  const std::string text = usage + " " + kNoEffectMarker + " " + why;
  store_.no_effect_names.push_back(name);
  CLI::Option* option = nullptr;
  if (type == "bool") {
    option = app_.add_flag(name, store_.bools.emplace_back(false), text);
  } else if (type == "strings") {
    store_.list_targets.push_back(&store_.lists.emplace_back());
    option = app_.add_option(name, store_.lists.back(), text)
                 ->delimiter(',')
                 ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  } else if (type == "namedCertKey") {  // "a.crt,a.key:names", repeatable
    option = app_.add_option(name, store_.lists.emplace_back(), text)
                 ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  } else {
    option = app_.add_option(name, store_.values.emplace_back(), text);
    if (type == "int" || type == "uint") option->check(CLI::Validator(check_integer, "", "int"));
    if (type == "float32") option->check(CLI::Validator(check_float, "", "float"));
    if (type == "duration") option->check(CLI::Validator(check_duration, "", "duration"));
  }
  return finish(option, type, type == "string" ? shown_string(default_value) : default_value);
}

void FlagSet::no_effect(std::initializer_list<InertFlag> flags, const std::string& why) {
  for (const auto& f : flags) no_effect(f.name, f.type, f.default_value, f.usage, why);
}

std::string render_help(const CLI::App& app, const std::string& header) {
  struct Line {
    std::string flag;
    std::string usage;
  };
  std::vector<std::string> sections;
  std::vector<std::vector<Line>> lines;
  for (const CLI::Option* o : app.get_options()) {
    if (o->get_group().empty() || o->get_lnames().empty()) continue;
    auto it = std::find(sections.begin(), sections.end(), o->get_group());
    if (it == sections.end()) {
      sections.push_back(o->get_group());
      lines.emplace_back();
      it = sections.end() - 1;
    }
    std::string flag = o->get_snames().empty() ? "      " : "  -" + o->get_snames().front() + ", ";
    flag += "--" + o->get_lnames().front();
    if (o->get_type_name() != "bool") flag += " " + o->get_type_name();
    std::string usage = o->get_description();
    if (!o->get_default_str().empty()) usage += " (default " + o->get_default_str() + ")";
    lines[static_cast<std::size_t>(it - sections.begin())].push_back({std::move(flag), std::move(usage)});
  }
  // --help and --version exist before any section is registered; show them last, as cobra does.
  if (auto g = std::find(sections.begin(), sections.end(), kGeneralSection); g != sections.end()) {
    const auto i = static_cast<std::size_t>(g - sections.begin());
    std::rotate(sections.begin() + static_cast<std::ptrdiff_t>(i), sections.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                sections.end());
    std::rotate(lines.begin() + static_cast<std::ptrdiff_t>(i), lines.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                lines.end());
  }
  std::ostringstream out;
  out << header;
  for (std::size_t s = 0; s < sections.size(); ++s) {
    std::size_t width = 0;
    for (const auto& l : lines[s]) width = std::max(width, l.flag.size());
    out << "\n" << sections[s] << " flags:\n\n";
    for (const auto& l : lines[s]) out << l.flag << std::string(width - l.flag.size() + 3, ' ') << l.usage << "\n";
  }
  return out.str();
}

}  // namespace fedmetrics::app
