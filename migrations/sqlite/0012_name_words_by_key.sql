-- An employee's name words are deleted by their key (company, word, employee), computed again
-- from the name, so the index by employee is not needed. An import writing 100,000 employees
-- wrote 300,000 entries into it in random order.
DROP INDEX employee_name_words_employee;
