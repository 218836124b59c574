// Lesson 1: the chain rule, solved.
#include <cmath>
#include <vector>

#include "chain_rule.h"

IceCream ice_cream(double T, double sales_per_degree, double happiness_per_sale) {
  IceCream v;
  v.sales = sales_per_degree * T;
  v.happiness = happiness_per_sale * v.sales;

  // Each link is a straight line, so its derivative is its slope.
  v.dhappiness_dsales = happiness_per_sale;
  v.dsales_dT = sales_per_degree;
  v.dhappiness_dT = v.dhappiness_dsales * v.dsales_dT;
  return v;
}

double sigmoid(double u) {
  return 1.0 / (1.0 + std::exp(-u));
}

double link_value(const Link& link, double u) {
  switch (link.f) {
    case Function::square:
      return u * u;
    case Function::sin:
      return std::sin(u);
    case Function::cos:
      return std::cos(u);
    case Function::exp:
      return std::exp(u);
    case Function::log:
      return std::log(u);
    case Function::sigmoid:
      return sigmoid(u);
    case Function::tanh:
      return std::tanh(u);
    case Function::scale:
      return link.c * u;
    case Function::add:
      return u + link.c;
  }
  return 0.0;  // not reached: the switch covers every Function
}

double link_derivative(const Link& link, double u) {
  switch (link.f) {
    case Function::square:
      return 2.0 * u;
    case Function::sin:
      return std::cos(u);
    case Function::cos:
      return -std::sin(u);
    case Function::exp:
      return std::exp(u);
    case Function::log:
      return 1.0 / u;
    case Function::sigmoid: {
      double s = sigmoid(u);
      return s * (1.0 - s);
    }
    case Function::tanh: {
      double t = std::tanh(u);
      return 1.0 - t * t;
    }
    case Function::scale:
      return link.c;
    case Function::add:
      return 1.0;
  }
  return 0.0;  // not reached: the switch covers every Function
}

std::vector<ChainStep> chain_rule(const std::vector<Link>& chain, double x) {
  std::vector<ChainStep> steps;
  double u = x;        // u_(k-1), starting from u0 = x
  double du_dx = 1.0;  // du_(k-1)/dx, starting from du0/dx = 1

  for (const Link& link : chain) {
    ChainStep step;
    step.local = link_derivative(link, u);
    step.u = link_value(link, u);
    step.du_dx = step.local * du_dx;
    steps.push_back(step);

    u = step.u;
    du_dx = step.du_dx;
  }
  return steps;
}
