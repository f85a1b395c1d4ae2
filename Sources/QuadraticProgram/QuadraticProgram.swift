// QuadraticProgram module: see README.md for its role.
