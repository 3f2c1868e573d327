#include "aggregation/fan_out.hpp"

namespace fedmetrics::aggregation {

std::string FanOut::describe(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return std::string("unexpected exception: ") + ex.what();
  } catch (...) {
    return "unexpected non-standard exception";
  }
}

Error FanOut::timeout_error(const std::string& cluster, std::chrono::milliseconds budget) {
  return make_error(Errc::Timeout,
                    "member " + cluster + ": no answer within " + std::to_string(budget.count()) + "ms");
}

}  // namespace fedmetrics::aggregation
