#pragma once
// Lets Catch2 print fedmetrics::Result<T> in assertions (REQUIRE(r), CHECK(r == ...)). Without it,
// boost::system::result's unconstrained operator<< makes Catch try to stream T and fail to compile.
#include <catch2/catch.hpp>

#include <string>

#include "clients/base/result.hpp"

namespace Catch {
template <class T>
struct StringMaker<boost::system::result<T, fedmetrics::Error>> {
  static std::string convert(const boost::system::result<T, fedmetrics::Error>& r) {
    if (r) return "ok";
    return "error " + std::string(fedmetrics::to_string(r.error().code)) + ": " + r.error().message;
  }
};
}  // namespace Catch
