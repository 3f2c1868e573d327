#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "clients/kubeapi/label_selector.hpp"

namespace fedmetrics::kubeapi {
namespace {

Selector parsed(const std::string& text) {
  auto s = parse_label_selector(text);
  INFO("parsing " << text << (s ? "" : ": " + s.error().message));
  REQUIRE(s.has_value());
  return *s;
}

}  // namespace

TEST_CASE("label selector parses valid strings into their canonical form", "[unit][selector]") {
  const auto [input, canonical] = GENERATE(table<std::string, std::string>({
      {"", ""},
      {"   ", ""},
      {"x", "x"},
      {"!x", "!x"},
      {" ! x ", "!x"},
      {"x=a", "x=a"},
      {"x==a", "x==a"},
      {"x!=a", "x!=a"},
      {"x = a", "x=a"},
      {"x=", "x="},
      {"x==", "x=="},
      {"x=,y=b", "x=,y=b"},
      {"x in (a)", "x in (a)"},
      {"x in (b,a,a)", "x in (a,b)"},
      {"x notin (b, a)", "x notin (a,b)"},
      {"x in ()", "x in ()"},
      {"x in (,a)", "x in (,a)"},
      {"x in (a,)", "x in (,a)"},
      {"x in (a,,b)", "x in (,a,b)"},
      {"x in(a)", "x in (a)"},
      {"x>1", "x>1"},
      {"x < 10", "x<10"},
      {"z=c,a=b", "a=b,z=c"},
      {"b,!a,c in (x)", "!a,b,c in (x)"},
      {"app=web,tier in (backend,frontend),!canary", "app=web,!canary,tier in (backend,frontend)"},
      {"example.com/app=web", "example.com/app=web"},
      {"k8s.io/a-b_c.d=V_1.x-Y", "k8s.io/a-b_c.d=V_1.x-Y"},
      {"in=notin", "in=notin"},
      {"in in (in,notin)", "in in (in,notin)"},
      {"a=b\t,\nc=d", "a=b,c=d"},
      {"x=a,x=b", "x=a,x=b"},
      {std::string(63, 'k') + "=" + std::string(63, 'v'), std::string(63, 'k') + "=" + std::string(63, 'v')},
      {std::string(253, 'p') + "/k", std::string(253, 'p') + "/k"},
  }));
  CAPTURE(input);
  const Selector s = parsed(input);
  CHECK(s.to_string() == canonical);
  CHECK(s.empty() == canonical.empty());
  // The canonical form is a fixed point.
  CHECK(parsed(canonical) == s);
  CHECK(parsed(canonical).to_string() == canonical);
}

TEST_CASE("label selector rejects malformed strings with a message naming the problem", "[unit][selector]") {
  const auto [input, message] = GENERATE(table<std::string, std::string>({
      {"=a", "found '=', expected: !, identifier, or 'end of string'"},
      {",", "found ',', expected: !, identifier, or 'end of string'"},
      {"x,", "found '', expected: identifier after ','"},
      {"x,,y", "found ',', expected: identifier after ','"},
      {"x=a b", "found 'b', expected: ',' or 'end of string'"},
      {"x y", "found 'y', expected: in, notin, =, ==, !=, gt, lt"},
      {"!x=a", "found '=', expected: ',' or 'end of string'"},
      {"!", "found '', expected: identifier"},
      {"x in a", "found 'a' expected: '('"},
      {"x in (a", "found '', expected: ',' or ')'"},
      {"x in (a b)", "found 'b', expected: ',' or ')'"},
      {"x in (=)", "found '=', expected: ',', ')' or identifier"},
      {"x in", "found '' expected: '('"},
      {"x=a=b", "found '=', expected: ',' or 'end of string'"},
      {"x=(a)", "found '(', expected: identifier"},
      {"x>a", "for 'Gt', 'Lt' operators, the value must be an integer"},
      {"x<1.5", "for 'Gt', 'Lt' operators, the value must be an integer"},
      {"x>99999999999999999999", "for 'Gt', 'Lt' operators, the value must be an integer"},
      {"x<-1", "a valid label must be an empty string or consist of alphanumeric characters"},
      {"x=-a", "a valid label must be an empty string"},
      {"x=a-", "a valid label must be an empty string"},
      {"x=a/b", "a valid label must be an empty string"},
      {"x=" + std::string(64, 'v'), "must be no more than 63 characters"},
      {"x in (a," + std::string(64, 'v') + ")", "values[1]"},
      {"-x", "name part must consist of alphanumeric characters"},
      {"x_=a", "name part must consist of alphanumeric characters"},
      {"a/b/c", "a qualified name must consist of"},
      {"/x", "prefix part must be non-empty"},
      {"Example.com/x", "prefix part a lowercase RFC 1123 subdomain"},
      {"ex..com/x", "prefix part a lowercase RFC 1123 subdomain"},
      {"-ex.com/x", "prefix part a lowercase RFC 1123 subdomain"},
      {std::string(254, 'p') + "/k", "prefix part must be no more than 253 characters"},
      {"example.com/", "name part must be non-empty"},
      {std::string(64, 'k'), "name part must be no more than 63 characters"},
      {"x!!a", "found '!', expected: in, notin, =, ==, !=, gt, lt"},
      {"x=<", "found '<', expected: identifier"},
      {"x)", "found ')', expected: in, notin, =, ==, !=, gt, lt"},
      {"(x)", "found '(', expected: !, identifier, or 'end of string'"},
      {"x=\"a\"", "a valid label must be an empty string"},
      {std::string("x=a\0b", 5), "a valid label must be an empty string"},
      {"x=\xff", "a valid label must be an empty string"},
  }));
  CAPTURE(input);
  const auto s = parse_label_selector(input);
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().code == Errc::InvalidArgument);
  CHECK_THAT(s.error().message, Catch::Contains(message));
}

TEST_CASE("label selector rejects input longer than the limit before parsing", "[unit][selector]") {
  std::string huge;
  while (huge.size() <= kMaxLabelSelectorLength) {
    huge += "k" + std::to_string(huge.size()) + "=v,";
  }
  huge += "z=v";
  const auto s = parse_label_selector(huge);
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().code == Errc::InvalidArgument);
  CHECK_THAT(s.error().message, Catch::Contains("limit"));
  // Just under the limit still parses.
  std::string big;
  while (big.size() + 16 < kMaxLabelSelectorLength) {
    big += "k" + std::to_string(big.size()) + "=v,";
  }
  big += "z=v";
  CHECK(parse_label_selector(big).has_value());
}

TEST_CASE("label selector parse produces structured requirements", "[unit][selector]") {
  const Selector s = parsed("tier notin (b,a), app==web, !canary, n>3");
  REQUIRE(s.requirements.size() == 4);
  CHECK(s.requirements[0] == Requirement{"app", SelectorOp::DoubleEquals, {"web"}});
  CHECK(s.requirements[1] == Requirement{"canary", SelectorOp::DoesNotExist, {}});
  CHECK(s.requirements[2] == Requirement{"n", SelectorOp::GreaterThan, {"3"}});
  CHECK(s.requirements[3] == Requirement{"tier", SelectorOp::NotIn, {"a", "b"}});
}

TEST_CASE("label selector matches like Go's Requirement.Matches", "[unit][selector]") {
  using Labels = std::map<std::string, std::string>;
  const auto [selector, labels, expected] = GENERATE(table<std::string, Labels, bool>({
      {"", Labels{}, true},
      {"", Labels{{"a", "b"}}, true},
      {"app=web", Labels{{"app", "web"}}, true},
      {"app=web", Labels{{"app", "db"}}, false},
      {"app=web", Labels{}, false},
      {"app==web", Labels{{"app", "web"}, {"x", "y"}}, true},
      {"app!=web", Labels{}, true},
      {"app!=web", Labels{{"app", "db"}}, true},
      {"app!=web", Labels{{"app", "web"}}, false},
      {"app", Labels{{"app", ""}}, true},
      {"app", Labels{{"x", "web"}}, false},
      {"!app", Labels{{"x", "web"}}, true},
      {"!app", Labels{{"app", "web"}}, false},
      {"app in (a,b)", Labels{{"app", "b"}}, true},
      {"app in (a,b)", Labels{{"app", "c"}}, false},
      {"app in (a,b)", Labels{}, false},
      {"app notin (a,b)", Labels{}, true},
      {"app notin (a,b)", Labels{{"app", "a"}}, false},
      {"app notin (a,b)", Labels{{"app", "c"}}, true},
      {"app=", Labels{{"app", ""}}, true},
      {"app=", Labels{}, false},
      {"n>3", Labels{{"n", "4"}}, true},
      {"n>3", Labels{{"n", "3"}}, false},
      {"n>3", Labels{{"n", "x"}}, false},
      {"n>3", Labels{}, false},
      {"n<3", Labels{{"n", "-7"}}, true},
      {"n<3", Labels{{"n", "3"}}, false},
      {"app=web,tier in (fe)", Labels{{"app", "web"}, {"tier", "fe"}}, true},
      {"app=web,tier in (fe)", Labels{{"app", "web"}, {"tier", "be"}}, false},
      {"x=a,x=b", Labels{{"x", "a"}}, false},
  }));
  CAPTURE(selector, labels);
  CHECK(parsed(selector).matches(labels) == expected);
}

TEST_CASE("label selector to_string sorts requirements and values of hand-built selectors", "[unit][selector]") {
  Selector s;
  s.requirements.push_back({"z", SelectorOp::In, {"c", "a", "b"}});
  s.requirements.push_back({"a", SelectorOp::NotEquals, {"v"}});
  s.requirements.push_back({"m", SelectorOp::DoesNotExist, {}});
  s.requirements.push_back({"b", SelectorOp::LessThan, {"5"}});
  CHECK(s.to_string() == "a!=v,b<5,!m,z in (a,b,c)");
  CHECK(Selector{}.to_string().empty());
}

TEST_CASE("label selector converts to metav1.LabelSelector", "[unit][selector]") {
  SECTION("equalities become matchLabels, the rest matchExpressions") {
    auto ls = to_label_selector(parsed("app=web,tier==fe,env in (prod,dev),x notin (a),has,!gone"));
    REQUIRE(ls.has_value());
    CHECK(ls->match_labels == std::map<std::string, std::string>{{"app", "web"}, {"tier", "fe"}});
    REQUIRE(ls->match_expressions.size() == 4);
    CHECK(ls->match_expressions[0] == LabelSelectorRequirement{"env", "In", {"dev", "prod"}});
    CHECK(ls->match_expressions[1] == LabelSelectorRequirement{"gone", "DoesNotExist", {}});
    CHECK(ls->match_expressions[2] == LabelSelectorRequirement{"has", "Exists", {}});
    CHECK(ls->match_expressions[3] == LabelSelectorRequirement{"x", "NotIn", {"a"}});
  }
  SECTION("the empty selector is an empty LabelSelector") {
    auto ls = to_label_selector(parsed(""));
    REQUIRE(ls.has_value());
    CHECK(*ls == LabelSelector{});
  }
  SECTION("a conflicting second equality keeps its meaning as an In expression") {
    auto ls = to_label_selector(parsed("x=a,x=b"));
    REQUIRE(ls.has_value());
    CHECK(ls->match_labels == std::map<std::string, std::string>{{"x", "a"}});
    REQUIRE(ls->match_expressions.size() == 1);
    CHECK(ls->match_expressions[0] == LabelSelectorRequirement{"x", "In", {"b"}});
    auto same = to_label_selector(parsed("x=a,x==a"));
    REQUIRE(same.has_value());
    CHECK(same->match_expressions.empty());
  }
  SECTION("!=, > and < are rejected like Go's helper") {
    const auto [input, message] = GENERATE(table<std::string, std::string>({
        {"a!=b", "\"!=\" is not a valid label selector operator"},
        {"a>1", "\"gt\" isn't supported in label selectors"},
        {"app=web,a<1", "\"lt\" isn't supported in label selectors"},
    }));
    CAPTURE(input);
    auto ls = to_label_selector(parsed(input));
    REQUIRE_FALSE(ls.has_value());
    CHECK(ls.error().code == Errc::InvalidArgument);
    CHECK(ls.error().message == message);
  }
}

}  // namespace fedmetrics::kubeapi
