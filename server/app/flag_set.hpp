#pragma once
// kube-style flags over CLI11 (the only other file that sees CLI11 besides options.cpp): every flag has a
// pflag type name ("string", "duration", "strings", ...), a help section (kube's cliflag.NamedFlagSets) and
// a default shown the way pflag shows it, and booleans accept the bare form and `=false`. Flags of the
// reference (karmada-metrics-adapter) that have no effect here are still accepted, their values checked
// like the reference does, and the help says so.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <deque>
#include <initializer_list>
#include <string>
#include <vector>

namespace fedmetrics::app {

/// What the flag sets of one CLI::App keep beside the caller's variables: the values of flags that are
/// accepted but have no effect, their names, and the list flags. Owned by the caller of parse; outlives
/// the CLI::App.
struct FlagStore {
  std::deque<std::string> values;
  std::deque<bool> bools;
  std::deque<std::vector<std::string>> lists;
  std::vector<std::string> no_effect_names;  ///< "--audit-log-maxage", ... in registration order
  std::vector<std::vector<std::string>*> list_targets;  ///< every list flag's variable

  /// The no-effect flags the command line set (for a warning at startup).
  std::vector<std::string> given_no_effect(const CLI::App& app) const;
  /// After parsing: `--list=` leaves one empty item where pflag leaves an empty list; drop empty items.
  void drop_empty_list_items();
};

/// A flag of the reference accepted without effect: pflag type, default as pflag prints it ("" for none), usage.
struct InertFlag {
  const char* name;
  const char* type;
  const char* default_value;
  const char* usage;
};

/// Registers the flags of one help section on `app`.
class FlagSet {
 public:
  FlagSet(CLI::App& app, FlagStore& store, std::string section)
      : app_(app), store_(store), section_(std::move(section)) {}

  CLI::Option* string(const std::string& name, std::string& value, const std::string& usage,
                      const std::string& type = "string");
  /// A Go duration ("300ms", "1m30s"), checked later by validate().
  CLI::Option* duration(const std::string& name, std::string& value, const std::string& usage);
  CLI::Option* integer(const std::string& name, int& value, const std::string& usage);
  CLI::Option* integer(const std::string& name, std::int64_t& value, const std::string& usage);
  CLI::Option* number(const std::string& name, double& value, const std::string& usage,
                      const std::string& type = "float");
  /// Comma-separated, repeatable; the first use replaces the default (pflag's StringSlice).
  CLI::Option* strings(const std::string& name, std::vector<std::string>& value, const std::string& usage);
  /// `--name`, `--name=true`, `--name=false` (never `--name false`, as in pflag).
  CLI::Option* boolean(const std::string& name, bool& value, const std::string& usage);

  /// A flag accepted for compatibility with the reference but without effect here; `type` is the reference's
  /// pflag type (bool, int, uint, float32, duration and strings values are checked accordingly; namedCertKey
  /// is repeatable and keeps its commas; any other type takes a string), `default_value` is the reference's
  /// default as pflag prints it ("" for none), `why` says why it has no effect.
  CLI::Option* no_effect(const std::string& name, const std::string& type, const std::string& default_value,
                         const std::string& usage, const std::string& why);
  /// no_effect() for each of `flags`, all for the same reason.
  void no_effect(std::initializer_list<InertFlag> flags, const std::string& why);

 private:
  CLI::Option* finish(CLI::Option* option, const std::string& type, const std::string& shown_default);

  CLI::App& app_;
  FlagStore& store_;
  std::string section_;
};

/// The words that mark a no-effect flag in --help (docs/flags.md keys on them).
inline constexpr const char* kNoEffectMarker = "No effect in fedmetrics-adapter:";

/// The section of --help and --version, shown last.
inline constexpr const char* kGeneralSection = "General";

/// The --help text in pflag's layout: `header`, then one "<Section> flags:" block per section in
/// registration order, each flag as "      --name type   usage (default x)".
std::string render_help(const CLI::App& app, const std::string& header);

}  // namespace fedmetrics::app
