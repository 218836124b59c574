// The reference for the chain-rule lessons: the two-link ice cream example
// (temperature drives sales, sales drive happiness) and chains of elementary
// functions u_k = f_k(u_{k-1}) starting from u_0 = x. Every value and
// derivative comes from the autodiff engine, not from hand-written formulas.
#pragma once

#include <vector>

namespace gradlings::engine {

/// Every value of the ice cream example at one temperature T.
struct IceCreamValues {
  double sales = 0;              // sales_per_degree * T
  double happiness = 0;          // happiness_per_sale * sales
  double dhappiness_dsales = 0;  // local derivative of the second link
  double dsales_dT = 0;          // local derivative of the first link
  double dhappiness_dT = 0;      // the whole chain
};

/// Builds T -> sales -> happiness and differentiates it with backward().
IceCreamValues ice_cream_values(double temperature, double sales_per_degree,
                                double happiness_per_sale);

/// Returns the happiness alone, for the numerical gradient checker.
double ice_cream_happiness(double temperature, double sales_per_degree, double happiness_per_sale);

/// The elementary functions a chain is made of.
enum class ChainFunction {
  square,   // u^2
  sin,      // radians
  cos,      // radians
  exp,
  log,      // natural logarithm; NaN or -inf unless the input is positive
  sigmoid,  // 1 / (1 + exp(-u))
  tanh,
  scale,    // constant * u
  add,      // u + constant
};

/// One link u_k = f_k(u_{k-1}) of a chain.
struct ChainLink {
  ChainFunction function = ChainFunction::square;
  double constant = 0;  // the c of scale and add; other functions ignore it
};

/// The values of link k of a chain.
struct ChainLinkValues {
  double u = 0;      // u_k = f_k(u_{k-1})
  double local = 0;  // du_k/du_{k-1} = f_k'(u_{k-1})
  double du_dx = 0;  // du_k/dx, the product of the local derivatives of links 1 to k
};

/// Builds the chain from x with engine ops and returns one entry per link,
/// in order. local and du_dx come from backward() from each u_k. An empty
/// chain returns no entries. Nothing is checked, so values may be NaN or
/// infinite after log of a number that is not positive or an exp overflow.
std::vector<ChainLinkValues> chain_values(const std::vector<ChainLink>& chain, double x);

/// Returns u_n, the output of the whole chain at x (x itself for an empty
/// chain), for the numerical gradient checker.
double chain_output(const std::vector<ChainLink>& chain, double x);

}  // namespace gradlings::engine
