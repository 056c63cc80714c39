#pragma once
// std::visit with one lambda per alternative: std::visit(overloaded{[](A&) {...}, [](B&) {...}}, v).
namespace sluice {

template <class... F>
struct overloaded : F... {
    using F::operator()...;
};
// Clang does not deduce an aggregate's template arguments from its initialisers yet.
template <class... F>
overloaded(F...) -> overloaded<F...>;

} // namespace sluice
