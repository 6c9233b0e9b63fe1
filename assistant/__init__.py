"""预算问答: exact, cited answers to questions about published government budgets."""
