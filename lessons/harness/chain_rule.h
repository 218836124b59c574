// The chain rule: when y depends on u and u depends on x, then
//
//   dy/dx = dy/du * du/dx
//
// Part one is a chain of two links: the temperature T drives ice cream sales,
// and sales drive happiness. Part two is a chain of any length made of
// elementary functions, u_0 = x and u_k = f_k(u_{k-1}).
//
// Your exercise.cpp defines the four functions declared below. The runner
// calls ice_cream() once per temperature and chain_rule() once per chain.
#pragma once

#include <vector>

#include "gradlings.h"

// Part one: sales = sales_per_degree * T, happiness = happiness_per_sale * sales.
struct IceCream {
  double sales = 0;              // ice cream sales at temperature T
  double happiness = 0;          // happiness at those sales
  double dhappiness_dsales = 0;  // happiness per sale: the second link's derivative
  double dsales_dT = 0;          // sales per degree: the first link's derivative
  double dhappiness_dT = 0;      // happiness per degree: the whole chain's derivative
};

// Returns every value and derivative of the ice cream chain at temperature T.
IceCream ice_cream(double T, double sales_per_degree, double happiness_per_sale);

// Part two: the elementary functions a link can apply. Angles are in radians.
enum class Function {
  square,   // u^2
  sin,      // sin(u)
  cos,      // cos(u)
  exp,      // e^u
  log,      // the natural logarithm; the runner only passes it positive u
  sigmoid,  // 1 / (1 + e^(-u))
  tanh,     // tanh(u)
  scale,    // c * u
  add,      // u + c
};

// One link of a chain: the function and, for scale and add, its constant c.
struct Link {
  Function f = Function::square;
  double c = 0;  // used by scale and add only
};

// Returns f(u), the link applied to u.
double link_value(const Link& link, double u);

// Returns f'(u), the derivative of the link's function at u.
double link_derivative(const Link& link, double u);

// The values of link k of a chain, for k = 1 .. n.
struct ChainStep {
  double u = 0;      // u_k = f_k(u_{k-1}), the link's output
  double local = 0;  // du_k/du_{k-1} = f_k'(u_{k-1}), taken at the link's input
  double du_dx = 0;  // du_k/dx = local * du_{k-1}/dx, where du_0/dx = 1
};

// Runs the chain forward from u_0 = x and returns one ChainStep per link, in
// order, so the last du_dx is the derivative of the whole chain at x.
std::vector<ChainStep> chain_rule(const std::vector<Link>& chain, double x);
