package flows

// FlowRoutes exposes flowRoutes to the tests until the lead wires it into Routes.
var FlowRoutes = (*Service).flowRoutes
