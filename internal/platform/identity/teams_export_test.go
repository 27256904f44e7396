package identity

// TeamRoutes exposes teamRoutes to the tests until the lead wires it into Routes.
var TeamRoutes = (*Service).teamRoutes
