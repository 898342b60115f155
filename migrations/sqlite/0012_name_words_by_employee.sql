-- A broad name search walks the lines in number order and asks, for each line's employee,
-- whether one of their words matches. With the words and the company in the index, each
-- question is answered from the index alone, without visiting the table.
DROP INDEX employee_name_words_employee;
CREATE INDEX employee_name_words_employee ON employee_name_words (employee_id, word, company_id);
