#include "clients/base/log.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>

namespace fedmetrics::log {
namespace {

const auto kWhen = std::chrono::system_clock::time_point(std::chrono::microseconds(1733322487123456));
constexpr const char* kFile = "/work/src/server/app/application.cpp";

}  // namespace

TEST_CASE("text lines are klog's header, quoted message and typed key=value pairs", "[unit][log]") {
  const auto line = format_line(Format::Text, 'I', 0, "serving",
                                {{"url", "https://127.0.0.1:6443"}, {"threads", 2}, {"leader", true},
                                 {"ratio", 0.5}, {"note", "say \"hi\"\n"}},
                                kFile, 317, kWhen, 1234);
  // klog: Lmmdd hh:mm:ss.uuuuuu, the pid right-aligned in 7 columns, base name:line, "] ".
  const std::regex header(R"(^I\d{4} \d{2}:\d{2}:\d{2}\.123456    1234 application\.cpp:317\] )");
  CHECK(std::regex_search(line, header));
  const auto body = line.substr(line.find("] ") + 2);
  CHECK(body == R"("serving" url="https://127.0.0.1:6443" threads=2 leader=true ratio=0.5 note="say \"hi\"\n")");
}

TEST_CASE("text error lines put the error right after the message as err", "[unit][log]") {
  const auto line = format_line(Format::Text, 'E', 0, "cannot start", {{"cert", "a.crt"}, {"error", "no such file"}},
                                kFile, 9, kWhen, 77);
  CHECK(line.rfind("E", 0) == 0);
  CHECK(line.substr(line.find("] ") + 2) == R"("cannot start" err="no such file" cert="a.crt")");
}

TEST_CASE("text escapes control characters as Go's strconv.Quote does", "[unit][log]") {
  const auto line = format_line(Format::Text, 'W', 0, "x\x01y\a\f", {}, kFile, 1, kWhen, 1);
  CHECK(line.substr(line.find("] ") + 2) == R"("x\x01y\a\f")");
  const auto json = format_line(Format::Json, 'W', 0, "x\x01y\a", {}, kFile, 1, kWhen, 1);
  CHECK(nlohmann::json::parse(json).at("msg") == "x\x01y\a");
}

TEST_CASE("json lines are component-base's: ts, caller, msg, v, typed values", "[unit][log]") {
  const auto line = format_line(Format::Json, 'I', 2, "decision",
                                {{"replicas", 3}, {"ratio", 1.25}, {"leader", false}, {"cluster", "member1"}}, kFile,
                                42, kWhen, 1);
  const auto j = nlohmann::json::parse(line);
  CHECK(j.at("ts").get<double>() == Approx(1733322487.123456));
  CHECK(j.at("caller") == "app/application.cpp:42");
  CHECK(j.at("msg") == "decision");
  CHECK(j.at("v") == 2);
  CHECK(j.at("replicas").is_number_integer());
  CHECK(j.at("replicas") == 3);
  CHECK(j.at("ratio").get<double>() == 1.25);
  CHECK(j.at("leader") == false);
  CHECK(j.at("cluster") == "member1");
  // Keys in component-base's order.
  CHECK(line.rfind(R"({"ts":1733322487.123456,"caller":"app/application.cpp:42","msg":"decision","v":2,)", 0) == 0);
}

TEST_CASE("json error lines carry err and no v, non-finite numbers stay valid JSON", "[unit][log]") {
  const auto line = format_line(Format::Json, 'E', 0, "reconcile failed",
                                {{"err", "conflict"}, {"value", std::numeric_limits<double>::quiet_NaN()}}, kFile, 5,
                                kWhen, 1);
  const auto j = nlohmann::json::parse(line);
  CHECK(j.at("msg") == "reconcile failed");
  CHECK(j.at("err") == "conflict");
  CHECK_FALSE(j.contains("v"));
  CHECK(j.at("value") == "NaN");
}

TEST_CASE("vmodule parses pattern=N lists and rejects malformed entries", "[unit][log]") {
  std::string error;
  CHECK(parse_vmodule("", error).empty());
  CHECK(parse_vmodule("controller=4,fan_*=3,,", error) ==
        std::vector<VmoduleRule>{{"controller", 4}, {"fan_*", 3}});
  CHECK(error.empty());
  for (const char* bad : {"controller", "=3", "x=", "x=-1", "x=3y"}) {
    error.clear();
    parse_vmodule(bad, error);
    CAPTURE(bad);
    CHECK_FALSE(error.empty());
  }
}

TEST_CASE("vmodule rules match the file's base name, or the path when they contain a slash", "[unit][log]") {
  const std::vector<VmoduleRule> rules{{"fan_*", 3}, {"fhpa/controller", 5}, {"controller", 4}};
  CHECK(file_verbosity("/src/aggregation/fan_out.cpp", 1, rules) == 3);
  CHECK(file_verbosity("/src/aggregation/fhpa/controller.cpp", 1, rules) == 5);
  CHECK(file_verbosity("/src/clients/kube/controller.hpp", 1, rules) == 4);
  CHECK(file_verbosity("/src/server/app/application.cpp", 1, rules) == 1);
}

TEST_CASE("enabled() follows -v, and a --vmodule rule for the calling file", "[unit][log]") {
  init(Format::Text, 1);
  CHECK(enabled(1));
  CHECK_FALSE(enabled(2));
  init(Format::Text, 1, {{"log_test", 4}});
  CHECK(enabled(4));
  CHECK_FALSE(enabled(5));
  init(Format::Text, 0);
  CHECK_FALSE(enabled(1));
}

}  // namespace fedmetrics::log
