"""Classes: courses, scheduling, enrolment, attendance and completion, roster and sign-in sheet imports."""
