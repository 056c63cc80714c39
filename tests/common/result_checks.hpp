#pragma once
// QVERIFY-style checks of Result/Status values, printing the error's message when one fails.
#include <QtTest>

#define CHECK_OK(expr)                                                                                       \
    do {                                                                                                     \
        const auto& r_ = (expr);                                                                             \
        QVERIFY2(r_.has_value(), r_.has_value() ? "" : r_.error().message.c_str());                          \
    } while (0)

// The error of a failed Result, checked for kind and a substring of its message.
#define CHECK_ERROR(expr, kind_, text)                                                                       \
    do {                                                                                                     \
        const auto& r_ = (expr);                                                                             \
        QVERIFY2(!r_.has_value(), "expected an error");                                                      \
        QVERIFY2(r_.error().message.find(text) != std::string::npos, r_.error().message.c_str());            \
        QCOMPARE(r_.error().kind, kind_);                                                                    \
    } while (0)
