#include "server/api/process_metrics.hpp"

#include <prometheus/metric_family.h>

#include <catch2/catch.hpp>
#include <map>

namespace fedmetrics::api {

TEST_CASE("a /proc stat line gives CPU, memory, threads and start time", "[unit][process]") {
  // The command name holds spaces and a ')': fields are counted after the last ')'.
  const std::string stat =
      "4242 (fedmetrics (x) y) S 1 4242 4242 0 -1 4194560 9000 0 12 0 250 50 0 0 20 0 7 0 338385 "
      "123456789 1000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  const auto s = parse_proc_stat(stat, 100, 4096, 1'700'000'000);
  REQUIRE(s);
  CHECK(s->cpu_seconds == Approx(3.0));  // (250 + 50) ticks / 100
  CHECK(s->threads == 7);
  CHECK(s->start_time_seconds == Approx(1'700'000'000 + 3383.85));
  CHECK(s->virtual_memory_bytes == 123456789);
  CHECK(s->resident_memory_bytes == 1000 * 4096.0);
}

TEST_CASE("text that is not a stat line is refused", "[unit][process]") {
  CHECK_FALSE(parse_proc_stat("", 100, 4096, 0));
  CHECK_FALSE(parse_proc_stat("12 (short) S 1 2 3", 100, 4096, 0));
  CHECK_FALSE(parse_proc_stat("12 (x) S 1 2 3 4 5 6 7 8 9 10 eleven 12 13 14 15 16 17 18 19 20 21 22", 100, 4096, 0));
}

TEST_CASE("the soft open-files limit is max_fds, unlimited is none", "[unit][process]") {
  CHECK(parse_max_open_files("Limit Soft Limit Hard Limit Units\nMax open files            1024                 "
                             "524288               files     \n") == 1024);
  CHECK_FALSE(parse_max_open_files("Max open files            unlimited            unlimited            files\n"));
  CHECK_FALSE(parse_max_open_files("Max processes 10 10 processes\n"));
}

TEST_CASE("this process's metrics carry client_golang's names", "[unit][process]") {
  const auto families = collect_process_metrics();
  std::map<std::string, double> value;
  for (const auto& f : families) {
    REQUIRE(f.metric.size() == 1);
    value[f.name] = f.type == prometheus::MetricType::Counter ? f.metric[0].counter.value : f.metric[0].gauge.value;
  }
  CHECK(value.at("process_resident_memory_bytes") > 0);
  CHECK(value.at("process_virtual_memory_bytes") >= value.at("process_resident_memory_bytes"));
  CHECK(value.at("process_open_fds") >= 3);  // stdin, stdout, stderr at least
  CHECK(value.at("process_max_fds") >= value.at("process_open_fds"));
  CHECK(value.at("process_start_time_seconds") > 1.5e9);
  CHECK(value.at("process_threads") >= 1);
  CHECK(value.count("process_cpu_seconds_total") == 1);
}

}  // namespace fedmetrics::api
