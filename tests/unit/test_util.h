// Assertion helpers for Status and Result, shared by the unit tests.
#pragma once

#include <gtest/gtest.h>

#include "core/status.h"

#define ASSERT_OK(expr)                                     \
  do {                                                      \
    const ::yz::Status s_ = (expr);                         \
    ASSERT_TRUE(s_.ok()) << #expr << ": " << s_.ToString(); \
  } while (0)

// `ASSERT_OK_AND_ASSIGN(auto x, Make());`
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  ASSERT_OK_AND_ASSIGN_IMPL(YZ_CONCAT(result_, __LINE__), lhs, rexpr)
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, rexpr)                    \
  auto tmp = (rexpr);                                                 \
  ASSERT_TRUE(tmp.ok()) << #rexpr << ": " << tmp.status().ToString(); \
  lhs = std::move(tmp).value()
