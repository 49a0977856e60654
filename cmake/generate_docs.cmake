# Writes the man page and the shell completion scripts by running the built binary (they are
# generated from its command tree, so they list exactly the commands and flags it has).
# Usage: cmake -DMLCALC=path/to/mlcalc -DOUT=dir -P generate_docs.cmake
foreach(pair "man;mlcalc.1" "completion;bash;mlcalc.bash" "completion;zsh;_mlcalc" "completion;fish;mlcalc.fish")
  list(POP_BACK pair file)
  execute_process(COMMAND ${MLCALC} ${pair} OUTPUT_FILE ${OUT}/${file}.tmp RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "mlcalc ${pair} failed (${rc})")
  endif()
  file(RENAME ${OUT}/${file}.tmp ${OUT}/${file})
endforeach()
